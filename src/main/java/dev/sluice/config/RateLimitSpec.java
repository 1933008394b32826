package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A rate-limit policy: which algorithm, how much, per what key, where the counters live, and how rejections look.
 *
 * <pre>{@code
 * - rate_limit:
 *     algorithm: token_bucket      # token_bucket | leaky_bucket | fixed_window | sliding_window | sliding_log | concurrency
 *     rate: 100/s                  # token/leaky bucket: refill or leak rate; windows: limit per window
 *     burst: 50                    # token bucket: capacity; leaky bucket: queued excess
 *     key: [client_ip]             # route | client_ip | consumer | header:NAME | query:NAME, combined
 *     scope: local                 # local | cluster (Redis)
 * }</pre>
 *
 * @param name            unique within the route; default: the algorithm name
 * @param algorithm       the limiting algorithm
 * @param rate            permits per period (not for {@code concurrency})
 * @param burst           token bucket capacity (default: the rate's permits) or leaky bucket queue (default 0)
 * @param delay           leaky bucket: excess requests admitted without delay (nginx {@code delay=}); default 0
 * @param nodelay         leaky bucket: admit every queued request at once (nginx {@code nodelay})
 * @param limit           concurrency: most requests in flight per key
 * @param key             the parts of the limit key; default {@code [route]} (one counter for the whole route)
 * @param scope           {@code local} (per instance) or {@code cluster} (shared through Redis)
 * @param onRedisFailure  cluster scope: what to do when Redis is slow or down
 * @param shadow          dry run: count would-be rejections, never reject
 * @param headers         which rate-limit response headers to send
 * @param headersOnSuccess also send the remaining quota on admitted responses
 * @param status          rejection status (default 429)
 * @param message         rejection message in the JSON body
 */
public record RateLimitSpec(
        String name,
        Algorithm algorithm,
        Rate rate,
        Integer burst,
        Integer delay,
        boolean nodelay,
        Integer limit,
        List<String> key,
        Scope scope,
        RedisFailure onRedisFailure,
        boolean shadow,
        HeaderStyle headers,
        boolean headersOnSuccess,
        int status,
        String message) implements PolicySpec {

    public static final String TYPE = "rate_limit";

    public RateLimitSpec {
        key = key == null || key.isEmpty() ? List.of("route") : List.copyOf(key);
        scope = scope == null ? Scope.LOCAL : scope;
        onRedisFailure = onRedisFailure == null ? RedisFailure.LOCAL : onRedisFailure;
        headers = headers == null ? HeaderStyle.IETF : headers;
        message = message == null ? "rate limit exceeded" : message;
        name = name != null ? name : algorithm != null ? algorithm.configName() : TYPE;
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static RateLimitSpec fromConfig(
            @JsonProperty("name") String name,
            @JsonProperty("algorithm") Algorithm algorithm,
            @JsonProperty("rate") Rate rate,
            @JsonProperty("burst") Integer burst,
            @JsonProperty("delay") Integer delay,
            @JsonProperty("nodelay") Boolean nodelay,
            @JsonProperty("limit") Integer limit,
            @JsonProperty("key") List<String> key,
            @JsonProperty("scope") Scope scope,
            @JsonProperty("on_redis_failure") RedisFailure onRedisFailure,
            @JsonProperty("shadow") Boolean shadow,
            @JsonProperty("headers") HeaderStyle headers,
            @JsonProperty("headers_on_success") Boolean headersOnSuccess,
            @JsonProperty("status") Integer status,
            @JsonProperty("message") String message) {
        return new RateLimitSpec(name, algorithm, rate, burst, delay, nodelay != null && nodelay, limit, key, scope,
                onRedisFailure, shadow != null && shadow, headers, headersOnSuccess != null && headersOnSuccess,
                status == null ? 429 : status, message);
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** The limiting algorithm. */
    public enum Algorithm {
        @JsonProperty("token_bucket") TOKEN_BUCKET,
        @JsonProperty("leaky_bucket") LEAKY_BUCKET,
        @JsonProperty("fixed_window") FIXED_WINDOW,
        @JsonProperty("sliding_window") SLIDING_WINDOW,
        @JsonProperty("sliding_log") SLIDING_LOG,
        @JsonProperty("concurrency") CONCURRENCY;

        /** The configuration spelling. */
        public String configName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Where the counters live. */
    public enum Scope {
        @JsonProperty("local") LOCAL,
        @JsonProperty("cluster") CLUSTER
    }

    /** Cluster scope: the behaviour while Redis is slow or unreachable. */
    public enum RedisFailure {
        /** Admit everything until Redis is back. */
        @JsonProperty("fail_open") FAIL_OPEN,
        /** Reject everything until Redis is back. */
        @JsonProperty("fail_closed") FAIL_CLOSED,
        /** Limit locally at the limit divided by the number of live gateway instances. */
        @JsonProperty("local") LOCAL
    }

    /** Which rate-limit headers responses carry. */
    public enum HeaderStyle {
        /** {@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-10). */
        @JsonProperty("ietf") IETF,
        /** {@code RateLimit-Limit/-Remaining/-Reset} and {@code X-RateLimit-*}. */
        @JsonProperty("legacy") LEGACY,
        /** Both forms. */
        @JsonProperty("all") ALL,
        /** Only {@code Retry-After} on rejections. */
        @JsonProperty("none") NONE
    }
}
