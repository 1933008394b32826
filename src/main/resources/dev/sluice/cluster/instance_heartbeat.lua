-- Instance heartbeat: registers this gateway instance as live and counts the live ones, in one step.
--
-- KEYS[1]  sorted set sluice:instances:{<cluster>} {member = instance id, score = expiry in microseconds}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  instance id
-- ARGV[3]  time to live in microseconds (a few heartbeat periods)
-- Returns  the number of live instances, this one included
--
-- One sorted set instead of a key per instance: counting is ZCARD instead of a SCAN over the keyspace, which is
-- O(keyspace) and, in Redis Cluster, per node. Scores are expiry times, so dead instances are trimmed by score.

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
local ttl = tonumber(ARGV[3])

redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now))
redis.call('ZADD', key, fmt(now + ttl), ARGV[2])
local live = redis.call('ZCARD', key)
-- The set vanishes when the last instance stops beating.
local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
redis.call('PEXPIREAT', key, fmt(fdiv(last, 1000) + 1))
return live
