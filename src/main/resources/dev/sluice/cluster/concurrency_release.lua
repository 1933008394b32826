-- Concurrency limit, release: returns one lease taken by concurrency_acquire.lua.
--
-- KEYS[1]  the lease sorted set
-- ARGV[1]  lease id
-- Returns  {released 0|1, leases still held}
--          released is 0 when the lease already expired or was released: the count never goes negative, as in
--          ConcurrencyLimiter.release().

local released = redis.call('ZREM', KEYS[1], ARGV[1])
return {released, redis.call('ZCARD', KEYS[1])}
