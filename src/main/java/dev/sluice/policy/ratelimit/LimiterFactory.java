package dev.sluice.policy.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.sluice.config.Rate;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Builds the per-key limiters of one rate-limit policy from its compiled parameters.
 *
 * <p>The parameters are validated and compiled once, here, and shared by every limiter the factory creates, so a
 * tracked key costs only its own state (see docs/rate-limiting.md, "Memory per key"). Factories are immutable and
 * thread-safe.
 *
 * <pre>{@code
 * final LimiterFactory<LocalLimiter> factory = LimiterFactory.tokenBucket(Rate.perSecond(100), 50);
 * final KeyedLimiters<LocalLimiter> perConsumer = KeyedLimiters.of(factory, 100_000, Ticker.system());
 * }</pre>
 *
 * @param <T> the limiter type: {@link LocalLimiter}, or {@link ConcurrencyLimiter} for in-flight limits
 */
public final class LimiterFactory<T extends LocalLimiter> {
    private final String algorithm;
    private final Supplier<T> supplier;
    private final long idleHorizonNanos;

    private LimiterFactory(String algorithm, Supplier<T> supplier) {
        this.algorithm = algorithm;
        this.supplier = supplier;
        this.idleHorizonNanos = supplier.get().idleHorizonNanos();
    }

    /**
     * A token bucket holding up to {@code burst} tokens, refilled continuously at {@code rate}, initially full.
     *
     * @throws IllegalArgumentException if burst < 1 or the rate exceeds one permit per nanosecond
     */
    public static LimiterFactory<LocalLimiter> tokenBucket(Rate rate, long burst) {
        requireNonNull(rate, "rate");
        final TokenBucketLimiter.Params params =
                new TokenBucketLimiter.Params(rate.permits(), rate.period().toNanos(), burst);
        return new LimiterFactory<>("token_bucket", () -> new TokenBucketLimiter(params));
    }

    /**
     * A leaky bucket with nginx {@code limit_req zone rate=rate; limit_req burst=burst delay=delay} semantics: the
     * first {@code delay} excess requests pass at once, the rest up to {@code burst} are delayed, beyond are rejected.
     * {@code delay = 0} is nginx's default; {@code delay = burst} is {@code nodelay}.
     *
     * @throws IllegalArgumentException if burst is outside 0..33,554, delay outside 0..burst, or the rate below
     *                                  0.001 or above 10^9 requests per second
     */
    public static LimiterFactory<LocalLimiter> leakyBucket(Rate rate, long burst, long delay) {
        requireNonNull(rate, "rate");
        final LeakyBucketLimiter.Params params =
                new LeakyBucketLimiter.Params(rate.permits(), rate.period().toNanos(), burst, delay);
        return new LimiterFactory<>("leaky_bucket", () -> new LeakyBucketLimiter(params));
    }

    /** The nginx {@code limit_req ... burst=burst nodelay} form of {@link #leakyBucket(Rate, long, long)}. */
    public static LimiterFactory<LocalLimiter> leakyBucketNodelay(Rate rate, long burst) {
        return leakyBucket(rate, burst, burst);
    }

    /**
     * At most {@code limit} admissions per window of length {@code window}, windows aligned to the ticker's origin
     * (the Unix epoch for {@link dev.sluice.common.Ticker#system()}).
     */
    public static LimiterFactory<LocalLimiter> fixedWindow(long limit, Duration window) {
        requireNonNull(window, "window");
        final FixedWindowLimiter.Params params = new FixedWindowLimiter.Params(limit, window.toNanos());
        return new LimiterFactory<>("fixed_window", () -> new FixedWindowLimiter(params));
    }

    /** The weighted two-window sliding estimate: {@code previous * (1 - elapsed / window) + current < limit}. */
    public static LimiterFactory<LocalLimiter> slidingWindow(long limit, Duration window) {
        requireNonNull(window, "window");
        final SlidingWindowLimiter.Params params = new SlidingWindowLimiter.Params(limit, window.toNanos());
        return new LimiterFactory<>("sliding_window", () -> new SlidingWindowLimiter(params));
    }

    /** The exact sliding log: at most {@code limit} (<= 1,024) admissions in any interval of length {@code window}. */
    public static LimiterFactory<LocalLimiter> slidingLog(long limit, Duration window) {
        requireNonNull(window, "window");
        final SlidingLogLimiter.Params params = new SlidingLogLimiter.Params(limit, window.toNanos());
        return new LimiterFactory<>("sliding_log", () -> new SlidingLogLimiter(params));
    }

    /**
     * At most {@code limit} requests in flight per key; {@code idleHorizon} is how long a keyed store keeps an idle
     * key, and must exceed the longest request (route timeout) so that no key is forgotten while in flight.
     */
    public static LimiterFactory<ConcurrencyLimiter> concurrency(long limit, Duration idleHorizon) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        requireNonNull(idleHorizon, "idleHorizon");
        if (idleHorizon.isNegative() || idleHorizon.isZero()) {
            throw new IllegalArgumentException("idleHorizon: " + idleHorizon + " (expected: > 0)");
        }
        final long horizon = idleHorizon.toNanos();
        return new LimiterFactory<>("concurrency", () -> new ConcurrencyLimiter(limit, horizon));
    }

    /** Returns a new limiter in its initial state (full bucket, empty window, nothing in flight). */
    public T newLimiter() {
        return supplier.get();
    }

    /** Returns how long an unused key's state stays distinguishable from a new one; see LocalLimiter. */
    public Duration idleHorizon() {
        return Duration.ofNanos(idleHorizonNanos);
    }

    /** Returns the algorithm's configuration name, e.g. {@code token_bucket}. */
    public String algorithm() {
        return algorithm;
    }

    @Override
    public String toString() {
        return "LimiterFactory(" + algorithm + ", " + supplier.get() + ")";
    }
}
