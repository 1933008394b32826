-- Leaky bucket with nginx limit_req semantics: the Redis twin of dev.sluice.policy.ratelimit.LeakyBucketLimiter,
-- in nginx's units (millisecond clock, rate and excess in milli-requests) with the same integer truncations.
--
-- KEYS[1]  hash {e = excess in milli-requests, l = millisecond of the last admission since the epoch}
-- ARGV[1]  '' to read the time from Redis TIME, or a time in microseconds since the epoch (tests only)
-- ARGV[2]  rate in milli-requests per second (nginx ctx->rate)
-- ARGV[3]  burst * 1000
-- ARGV[4]  delay threshold * 1000 (delay=N; burst * 1000 for nodelay; 0 by default)
-- ARGV[5]  drain: milliseconds after which any stored excess plus the next request's 1000 has drained to 0
-- ARGV[6]  limit reported to the caller: burst + 1
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

local function cdiv(a, b)
    return -fdiv(-a, b)
end

local key = KEYS[1]
local now = now_micros(ARGV[1])
local rate = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local delay_threshold = tonumber(ARGV[4])
local drain = tonumber(ARGV[5])
local limit = tonumber(ARGV[6])

local now_ms = fdiv(now, 1000)
-- now in nanoseconds is now_ms * 1e6 + sub_ns; durations are returned relative to it.
local sub_ns = (now - now_ms * 1000) * 1000

local state = redis.call('HMGET', key, 'e', 'l')
local previous = 0
local excess
local elapsed
local stored_ms
if not state[1] then
    -- nginx creates the node with excess 0.
    excess = 0
    elapsed = 1
else
    previous = tonumber(state[1])
    stored_ms = tonumber(state[2])
    -- A clock read backwards (server time stepped) counts as no time passed, as nginx clamps it.
    elapsed = math.max(0, now_ms - stored_ms)
    -- Beyond drain the result is 0 anyway; the cap keeps rate * ms far below 2^53.
    local ms = math.min(elapsed, drain)
    excess = math.max(0, previous - fdiv(rate * ms, 1000) + 1000)
end
local last_ms = now_ms - elapsed

if excess > burst then
    -- Rejections leave the state as it is (nginx NGX_BUSY). Smallest ms since last with
    -- floor(rate * ms / 1000) >= previous + 1000 - burst.
    local need_ms = cdiv((previous + 1000 - burst) * 1000, rate)
    local retry = math.max(1, (last_ms + need_ms - now_ms) * 1000000 - sub_ns)
    local reset = (last_ms + cdiv((previous + 1000) * 1000, rate) - now_ms) * 1000000 - sub_ns
    return {0, limit, 0, reset, retry, 0}
end

-- nginx moves last only when ms != 0.
local new_last = now_ms
if elapsed == 0 then
    new_last = stored_ms
end
redis.call('HSET', key, 'e', fmt(excess), 'l', fmt(new_last))
-- drain ms after the last admission the next request finds excess 0, exactly as for a missing key.
redis.call('PEXPIREAT', key, fmt(new_last + drain))
local delay_ms = 0
if excess > delay_threshold then
    delay_ms = fdiv((excess - delay_threshold) * 1000, rate)
end
local reset = cdiv((excess + 1000) * 1000, rate) * 1000000 - sub_ns
return {1, limit, fdiv(burst - excess, 1000), reset, 0, delay_ms * 1000000}
