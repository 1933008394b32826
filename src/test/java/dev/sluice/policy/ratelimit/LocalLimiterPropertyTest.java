package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.Rate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Safety properties of every algorithm over arbitrary arrival sequences.
 *
 * <p>Arrivals are generated as non-negative gaps (many of them 0, so bursts at one instant are common) and summed into
 * a sorted sequence of nanosecond times starting near the present epoch, so window alignment is exercised.
 */
class LocalLimiterPropertyTest {
    private static final long START = 1_700_000_000_123_456_789L;
    private static final long MS = 1_000_000;

    @Property
    void tokenBucket_anyInterval_admitsAtMostBurstPlusRateTimesLength(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 40_000_000) Long> gaps,
            @ForAll @IntRange(min = 1, max = 50) int permitsPerSecond,
            @ForAll @IntRange(min = 1, max = 20) int burst) {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(Rate.perSecond(permitsPerSecond), burst).newLimiter();
        final long interval = 1_000_000_000L / permitsPerSecond;

        final List<Long> admitted = admittedTimes(limiter, gaps);

        // n admissions in [a, b] need (n - burst) * interval <= b - a: n <= burst + rate * (b - a).
        for (int i = 0; i < admitted.size(); i++) {
            for (int j = i; j < admitted.size(); j++) {
                final long span = admitted.get(j) - admitted.get(i);
                assertThat((long) (j - i + 1)).isLessThanOrEqualTo(burst + span / interval);
            }
        }
    }

    @Property
    void leakyBucket_anyInterval_admitsAtMostBurstPlusOnePlusRateTimesLength(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 40_000_000) Long> gaps,
            @ForAll @IntRange(min = 1, max = 50) int permitsPerSecond,
            @ForAll @IntRange(min = 0, max = 20) int burst,
            @ForAll boolean nodelay) {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(Rate.perSecond(permitsPerSecond), burst,
                nodelay ? burst : 0).newLimiter();
        final long rateMilli = permitsPerSecond * 1000L;

        final List<Long> admitted = admittedTimes(limiter, gaps);

        // Each admission adds 1000 to excess, at most rate * ms / 1000 drains, excess stays in [0, burst * 1000].
        for (int i = 0; i < admitted.size(); i++) {
            for (int j = i; j < admitted.size(); j++) {
                final long ms = Math.floorDiv(admitted.get(j), MS) - Math.floorDiv(admitted.get(i), MS);
                assertThat((j - i) * 1_000_000L).isLessThanOrEqualTo(burst * 1_000_000L + rateMilli * ms);
            }
        }
    }

    @Property
    void leakyBucket_anySequence_matchesNginxReferenceModel(
            @ForAll @Size(max = 200) List<@LongRange(min = 0, max = 200) Long> gapsMs,
            @ForAll @IntRange(min = 1, max = 120) int permits,
            @ForAll boolean perMinute,
            @ForAll @IntRange(min = 0, max = 10) int burst,
            @ForAll @IntRange(min = 0, max = 10) int delay) {
        final int effectiveDelay = Math.min(delay, burst);
        final Rate rate = new Rate(permits, perMinute ? Duration.ofMinutes(1) : Duration.ofSeconds(1));
        final LocalLimiter limiter = LimiterFactory.leakyBucket(rate, burst, effectiveDelay).newLimiter();
        // nginx: ctx->rate = N * 1000 / scale, scale 60 for r/m.
        final NginxLimitReqModel model = new NginxLimitReqModel(permits * 1000L / (perMinute ? 60 : 1), burst,
                effectiveDelay);

        long nowMs = START / MS;
        for (final long gap : gapsMs) {
            nowMs += gap;
            final long expected = model.request(nowMs);
            // A sub-millisecond offset must not matter: nginx's clock has millisecond resolution.
            final RateLimitDecision actual = limiter.tryAcquire(nowMs * MS + gap % MS);
            assertThat(actual.allowed() ? actual.delayNanos() / MS : -1L).isEqualTo(expected);
        }
    }

    @Property
    void fixedWindow_everyAlignedWindow_admitsAtMostLimit(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 30_000_000) Long> gaps,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll @IntRange(min = 1, max = 500) int windowMs) {
        final long window = windowMs * MS;
        final LocalLimiter limiter = LimiterFactory.fixedWindow(limit, Duration.ofNanos(window)).newLimiter();

        final Map<Long, Integer> perWindow = new HashMap<>();
        for (final long t : admittedTimes(limiter, gaps)) {
            perWindow.merge(Math.floorDiv(t, window), 1, Integer::sum);
        }

        assertThat(perWindow.values()).allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(limit));
    }

    @Property
    void slidingLog_anySequence_matchesExactReferenceCount(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 30_000_000) Long> gaps,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll @IntRange(min = 1, max = 500) int windowMs) {
        final long window = windowMs * MS;
        final LocalLimiter limiter = LimiterFactory.slidingLog(limit, Duration.ofNanos(window)).newLimiter();
        final List<Long> admitted = new ArrayList<>();

        long now = START;
        for (final long gap : gaps) {
            now += gap;
            final long t = now;
            final long inWindow = admitted.stream().filter(a -> t - a < window).count();
            assertThat(limiter.tryAcquire(now).allowed()).isEqualTo(inWindow < limit);
            if (inWindow < limit) {
                admitted.add(now);
            }
        }
    }

    @Property
    void slidingWindow_anySequence_alignedWindowAtMostLimitAndAnyWindowBelowTwiceLimit(
            @ForAll @Size(max = 300) List<@LongRange(min = 0, max = 30_000_000) Long> gaps,
            @ForAll @IntRange(min = 1, max = 20) int limit,
            @ForAll @IntRange(min = 1, max = 500) int windowMs) {
        final long window = windowMs * MS;
        final LocalLimiter limiter = LimiterFactory.slidingWindow(limit, Duration.ofNanos(window)).newLimiter();

        final List<Long> admitted = admittedTimes(limiter, gaps);

        final Map<Long, Integer> perWindow = new HashMap<>();
        for (final long t : admitted) {
            perWindow.merge(Math.floorDiv(t, window), 1, Integer::sum);
        }
        assertThat(perWindow.values()).allSatisfy(count -> assertThat(count).isLessThanOrEqualTo(limit));
        for (int j = 0; j < admitted.size(); j++) {
            int inWindow = 0;
            for (int i = j; i >= 0 && admitted.get(j) - admitted.get(i) < window; i--) {
                inWindow++;
            }
            assertThat(inWindow).isLessThanOrEqualTo(2 * limit - 1);
        }
    }

    @Property
    void concurrency_anyAcquireReleaseSequence_neverExceedsLimitAndEndsAtZero(
            @ForAll @Size(max = 500) List<Boolean> acquires,
            @ForAll @IntRange(min = 1, max = 10) int limit) {
        final ConcurrencyLimiter limiter = LimiterFactory.concurrency(limit, Duration.ofMinutes(1)).newLimiter();
        long held = 0;

        for (final boolean acquire : acquires) {
            if (acquire) {
                final boolean admitted = limiter.tryAcquire();
                assertThat(admitted).isEqualTo(held < limit);
                held += admitted ? 1 : 0;
            } else {
                assertThat(limiter.release()).isEqualTo(held > 0);
                held = Math.max(0, held - 1);
            }
            assertThat(limiter.inFlight()).isEqualTo(held).isBetween(0L, (long) limit);
        }
        while (held-- > 0) {
            limiter.release();
        }

        assertThat(limiter.inFlight()).isZero();
    }

    private static List<Long> admittedTimes(LocalLimiter limiter, List<Long> gaps) {
        final List<Long> admitted = new ArrayList<>();
        long now = START;
        for (final long gap : gaps) {
            now += gap;
            if (limiter.tryAcquire(now).allowed()) {
                admitted.add(now);
            }
        }
        return admitted;
    }
}
