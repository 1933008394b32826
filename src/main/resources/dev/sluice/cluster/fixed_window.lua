-- Fixed window counter: the Redis twin of dev.sluice.policy.ratelimit.FixedWindowLimiter. Windows are aligned to the
-- Unix epoch, as Ticker.system() aligns them, so every instance and Redis cut windows at the same instants.
--
-- KEYS[1]  hash {w = window index floor(now / window), c = admissions in that window}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  window in microseconds
-- ARGV[3]  limit: admissions per window
-- Returns  {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}
--
-- One hash per key rather than INCR on a key per window: only admissions count (a rejection must not increment),
-- and one key per policy and client keeps the key count flat.

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
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

local w = fdiv(now, window)
local window_end = (w + 1) * window
local until_end = (window_end - now) * 1000
local state = redis.call('HMGET', key, 'w', 'c')
local count = 0
if state[1] and tonumber(state[1]) == w then
    count = tonumber(state[2])
end
if count >= limit then
    return {0, limit, 0, until_end, until_end, 0}
end
redis.call('HSET', key, 'w', fmt(w), 'c', fmt(count + 1))
-- The count means nothing after its window ends; the millisecond after the end is the first one Redis may drop it.
redis.call('PEXPIREAT', key, fmt(fdiv(window_end, 1000) + 1))
return {1, limit, limit - count - 1, until_end, 0, 0}
