-- Concurrency limit, acquire: at most limit leases of one key held at once, cluster-wide. The Redis twin of
-- dev.sluice.policy.ratelimit.ConcurrencyLimiter.tryAcquire(), with one difference the cluster forces: a lease
-- expires after its lease time, because an instance that dies holding leases never releases them, and a plain
-- counter would then leak capacity forever.
--
-- KEYS[1]  sorted set {member = lease id, score = lease expiry in microseconds since the epoch}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  limit
-- ARGV[3]  lease time in microseconds (longer than any request can last)
-- ARGV[4]  lease id, unique per acquisition
-- Returns  {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}
--          retry-after is 0 as in the Java limiter: a slot frees whenever any request ends.

local function now_micros(override)
    if override ~= '' then
        return tonumber(override)
    end
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

local function fmt(n)
    return string.format('%.0f', n)
end

local function fdiv(a, b)
    local q = math.floor(a / b)
    local r = a - q * b
    if r < 0 then
        q = q - 1
    elseif r >= b then
        q = q + 1
    end
    return q
end

local key = KEYS[1]
local now = now_micros(ARGV[1])
local limit = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local id = ARGV[4]

redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now))
local held = redis.call('ZCARD', key)
if held >= limit then
    return {0, limit, 0, 0, 0, 0}
end
redis.call('ZADD', key, fmt(now + lease), id)
-- The set is needed until its last lease expires.
local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIREAT', key, fmt(fdiv(last, 1000) + 1))
return {1, limit, limit - held - 1, 0, 0, 0}
