-- Token bucket as GCRA: the Redis twin of dev.sluice.policy.ratelimit.TokenBucketLimiter (see
-- docs/rate-limiting.md for the arithmetic and docs/cluster-rate-limiting.md for the layout).
--
-- KEYS[1]  hash {us = floor(tat) in microseconds since the epoch, ns = tat's sub-microsecond nanoseconds}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  interval: nanoseconds per token, floor(period / permits)
-- ARGV[3]  depth: capacity * interval, in nanoseconds
-- ARGV[4]  capacity (the burst), reported as the limit
-- Returns  {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}
--
-- Why the split (us, ns): Lua numbers are doubles, exact only below 2^53, and epoch nanoseconds (~1.7e18) are not.
-- Every absolute time is kept in microseconds (~1.7e15, exact) and every duration in relative nanoseconds (bounded
-- by depth <= 2^53, checked by the spec), so all arithmetic below is exact integer arithmetic.

local function now_micros(override)
    if override ~= '' then
        return tonumber(override)
    end
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000000 + tonumber(t[2])
end

-- tostring() would print 1.7e15 as '1.7e+15'; '%.0f' prints every integer below 2^53 exactly.
local function fmt(n)
    return string.format('%.0f', n)
end

-- floor(a / b) for integers below 2^53, b > 0, corrected for the rounding of the double quotient.
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
local interval = tonumber(ARGV[2])
local depth = tonumber(ARGV[3])
local capacity = tonumber(ARGV[4])

local state = redis.call('HMGET', key, 'us', 'ns')
-- tat - now in nanoseconds; a missing key is a full bucket, as TokenBucketLimiter's Long.MIN_VALUE.
local ahead = nil
if state[1] then
    ahead = (tonumber(state[1]) - now) * 1000 + tonumber(state[2])
end
local debt = math.max(ahead or 0, 0) + interval
if debt > depth then
    -- Only a stored bucket can be short of a token (interval <= depth), so ahead is set here.
    return {0, capacity, 0, ahead, debt - depth, 0}
end
local tat_us = now + fdiv(debt, 1000)
redis.call('HSET', key, 'us', fmt(tat_us), 'ns', fmt(debt - fdiv(debt, 1000) * 1000))
-- The horizon is tat: from then on max(tat, now) == now and the bucket is as full as a new one. PEXPIREAT at the
-- millisecond after it, because Redis deletes a key once its clock passes the deadline, and a key that vanished
-- before tat would refill the bucket early.
redis.call('PEXPIREAT', key, fmt(fdiv(tat_us, 1000) + 1))
return {1, capacity, fdiv(depth - debt, interval), debt, 0, 0}
