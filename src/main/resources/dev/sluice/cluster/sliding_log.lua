-- Exact sliding log: the Redis twin of dev.sluice.policy.ratelimit.SlidingLogLimiter. At most limit admissions in
-- (now - W, now]; each admission is one sorted-set member scored by its time in microseconds.
--
-- KEYS[1]  sorted set {member = '<time>-<n>', score = admission time in microseconds since the epoch}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  window W in microseconds
-- ARGV[3]  limit
-- Returns  {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}

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

local function score_at(key, index)
    return tonumber(redis.call('ZRANGE', key, index, index, 'WITHSCORES')[2])
end

local key = KEYS[1]
local now = now_micros(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

-- An admission at t is live while now - t < W; dropping the dead ones first changes no decision (the Java limiter
-- skips them while counting) and keeps the set at most limit long.
redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - window))
local live = redis.call('ZCARD', key)
if live >= limit then
    local oldest = score_at(key, 0)
    local newest = score_at(key, -1)
    return {0, limit, 0, (newest + window - now) * 1000, (oldest + window - now) * 1000, 0}
end
local newest = now
if live > 0 then
    newest = math.max(now, score_at(key, -1))
end
-- Several admissions can share one microsecond; the suffix makes each a distinct member. Starting at live makes a
-- collision rare (only after a clock step back), and NX makes one harmless.
local n = live
while redis.call('ZADD', key, 'NX', fmt(now), fmt(now) .. '-' .. n) == 0 do
    n = n + 1
end
-- The newest admission leaves the window at newest + W; after that the log is empty.
redis.call('PEXPIREAT', key, fmt(fdiv(newest + window, 1000) + 1))
return {1, limit, limit - live - 1, (newest + window - now) * 1000, 0, 0}
