-- Sliding window, weighted two-window estimate: the Redis twin of dev.sluice.policy.ratelimit.SlidingWindowLimiter.
--   estimate = ceil(previous * (W - e) / W) + current,  admit iff estimate + 1 <= limit
-- with e the time since the start of the epoch-aligned current window.
--
-- KEYS[1]  hash {w = window index of the last admission, p = previous window's count, c = that window's count}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  window W in microseconds
-- ARGV[3]  limit
-- Returns  {allowed 0|1, limit, remaining, resetAfterNanos, retryAfterNanos, delayNanos}
--
-- Exactness: the spec bounds limit * W (in microseconds) by 2^53, so previous * (W - e) is exact; durations are
-- below 2 * W, also exact in nanoseconds.

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

local function cdiv(a, b)
    return -fdiv(-a, b)
end

-- floor(x * 1000 / d) without forming x * 1000, which may pass 2^53.
local function mul1000_fdiv(x, d)
    local q = fdiv(x, d)
    return q * 1000 + fdiv((x - q * d) * 1000, d)
end

local key = KEYS[1]
local now = now_micros(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

local w = fdiv(now, window)
local start = w * window
local remaining_in_window = start + window - now

local state = redis.call('HMGET', key, 'w', 'p', 'c')
local current = 0
local previous = 0
if state[1] then
    local stored = tonumber(state[1])
    if stored == w then
        previous = tonumber(state[2])
        current = tonumber(state[3])
    elseif stored == w - 1 then
        previous = tonumber(state[3])
    end
end

-- Time until the estimate is 0: this window's admissions age out at the end of the next one.
local function reset_after(cur)
    if cur > 0 then
        return (remaining_in_window + window) * 1000
    elseif previous > 0 then
        return remaining_in_window * 1000
    end
    return 0
end

local weighted = cdiv(previous * remaining_in_window, window)
if weighted + current + 1 > limit then
    -- The shortest wait after which the estimate admits one more, given no other admission (in nanoseconds, as the
    -- Java limiter computes it: the floors are taken on nanoseconds, not microseconds).
    local retry
    if current + 1 <= limit then
        retry = remaining_in_window * 1000 - mul1000_fdiv((limit - current - 1) * window, previous)
    else
        retry = remaining_in_window * 1000 + window * 1000 - mul1000_fdiv((limit - 1) * window, current)
    end
    return {0, limit, 0, reset_after(current), retry, 0}
end
redis.call('HSET', key, 'w', fmt(w), 'p', fmt(previous), 'c', fmt(current + 1))
-- Two windows on, this window is neither current nor previous and the state reads as (0, 0).
redis.call('PEXPIREAT', key, fmt(fdiv(start + 2 * window, 1000) + 1))
return {1, limit, limit - weighted - current - 1, reset_after(current + 1), 0, 0}
