package dev.sluice.policy.ratelimit;

import dev.sluice.config.RateLimitSpec.HeaderStyle;
import dev.sluice.policy.Exchange;
import io.netty.util.AsciiString;
import java.util.concurrent.TimeUnit;

/**
 * Writes a decision's rate-limit response headers in the style the policy asks for.
 *
 * <ul>
 *   <li>IETF (draft-ietf-httpapi-ratelimit-headers-10), structured-field lists:
 *       {@code RateLimit-Policy: "name";q=100;w=60} and {@code RateLimit: "name";r=0;t=12}.</li>
 *   <li>Legacy: {@code RateLimit-Limit/-Remaining/-Reset} and {@code X-RateLimit-Limit/-Remaining/-Reset}, the
 *       forms existing clients read (Kong, GitHub, the older drafts).</li>
 *   <li>Rejections always carry {@code Retry-After} in whole seconds (RFC 9110 §10.2.3), rounded up so a client
 *       that waits exactly that long is admitted.</li>
 * </ul>
 */
final class RateLimitHeaders {
    static final AsciiString RATELIMIT_POLICY = AsciiString.cached("ratelimit-policy");
    static final AsciiString RATELIMIT = AsciiString.cached("ratelimit");
    static final AsciiString RATELIMIT_LIMIT = AsciiString.cached("ratelimit-limit");
    static final AsciiString RATELIMIT_REMAINING = AsciiString.cached("ratelimit-remaining");
    static final AsciiString RATELIMIT_RESET = AsciiString.cached("ratelimit-reset");
    static final AsciiString X_RATELIMIT_LIMIT = AsciiString.cached("x-ratelimit-limit");
    static final AsciiString X_RATELIMIT_REMAINING = AsciiString.cached("x-ratelimit-remaining");
    static final AsciiString X_RATELIMIT_RESET = AsciiString.cached("x-ratelimit-reset");
    static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");

    private final HeaderStyle style;
    private final String name;
    private final AsciiString policyValue;
    private final AsciiString limitValue;

    /**
     * @param name          the policy name, quoted as the sf-string of the IETF fields
     * @param limit         the quota (q): requests per window, bucket capacity, or in-flight maximum
     * @param windowSeconds the quota's window (w); 0 for a concurrency limit, which has none
     */
    RateLimitHeaders(HeaderStyle style, String name, long limit, long windowSeconds) {
        this.style = style;
        this.name = name;
        this.policyValue = AsciiString.cached("\"" + name + "\";q=" + limit + (windowSeconds > 0 ? ";w="
                + windowSeconds : ""));
        this.limitValue = AsciiString.cached(Long.toString(limit));
    }

    /** Adds the quota headers for a decision: {@code remaining} requests left, full again after {@code reset}. */
    void addQuota(Exchange exchange, long remaining, long resetAfterNanos) {
        if (style == HeaderStyle.NONE) {
            return;
        }
        final long reset = seconds(resetAfterNanos);
        if (style == HeaderStyle.IETF || style == HeaderStyle.ALL) {
            exchange.addResponseHeader(RATELIMIT_POLICY, policyValue);
            exchange.addResponseHeader(RATELIMIT, "\"" + name + "\";r=" + remaining + ";t=" + reset);
        }
        if (style == HeaderStyle.LEGACY || style == HeaderStyle.ALL) {
            final String r = Long.toString(remaining);
            final String t = Long.toString(reset);
            exchange.addResponseHeader(RATELIMIT_LIMIT, limitValue);
            exchange.addResponseHeader(RATELIMIT_REMAINING, r);
            exchange.addResponseHeader(RATELIMIT_RESET, t);
            exchange.addResponseHeader(X_RATELIMIT_LIMIT, limitValue);
            exchange.addResponseHeader(X_RATELIMIT_REMAINING, r);
            exchange.addResponseHeader(X_RATELIMIT_RESET, t);
        }
    }

    /** Adds {@code Retry-After} for a rejection. */
    static void addRetryAfter(Exchange exchange, long retryAfterNanos) {
        exchange.addResponseHeader(RETRY_AFTER, Long.toString(Math.max(1, seconds(retryAfterNanos))));
    }

    /** Whole seconds, rounded up: a client waiting that long is never early. */
    static long seconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1);
    }
}
