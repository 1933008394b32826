package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.Rate;
import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of {@link LeakyBucketLimiter}: the delays and verdicts nginx's limit_req formula gives, worked by hand.
 *
 * <p>The table for rate=10r/s, burst=5 and seven requests in one millisecond: excess 0, 1000, ..., 5000, 6000, so
 * delays (excess - delay*1000) * 1000 / 10000 ms are 0, 100, 200, 300, 400, 500 and the seventh (6000 > 5000) is
 * rejected.
 */
class LeakyBucketLimiterTest {
    private static final long MS = 1_000_000;
    private static final Rate TEN_PER_SECOND = Rate.perSecond(10);

    private final FakeTicker ticker = new FakeTicker(5_000 * MS);

    @Test
    void tryAcquire_defaultDelay_queuesBurstAtTheRate() {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(TEN_PER_SECOND, 5, 0).newLimiter();

        assertThat(delaysMillisAtOneInstant(limiter, 7)).containsExactly(0L, 100L, 200L, 300L, 400L, 500L, -1L);
    }

    @Test
    void tryAcquire_nodelay_admitsBurstAtOnceButStillConsumesSlots() {
        final LocalLimiter limiter = LimiterFactory.leakyBucketNodelay(TEN_PER_SECOND, 5).newLimiter();

        assertThat(delaysMillisAtOneInstant(limiter, 7)).containsExactly(0L, 0L, 0L, 0L, 0L, 0L, -1L);
        ticker.advanceMillis(99);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void tryAcquire_delayTwo_firstTwoExcessPassThenDelayed() {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(TEN_PER_SECOND, 5, 2).newLimiter();

        assertThat(delaysMillisAtOneInstant(limiter, 7)).containsExactly(0L, 0L, 0L, 100L, 200L, 300L, -1L);
    }

    @Test
    void tryAcquire_noBurst_admitsOnePerIntervalOnly() {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(TEN_PER_SECOND, 0, 0).newLimiter();

        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        ticker.advanceMillis(99);
        // excess = 0 - 10000 * 99 / 1000 + 1000 = 10 > 0: still one request too many.
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void tryAcquire_partialDrain_delayShrinksByElapsedTime() {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(TEN_PER_SECOND, 5, 0).newLimiter();
        delaysMillisAtOneInstant(limiter, 4);
        ticker.advanceMillis(150);

        // excess = 3000 - 10000 * 150 / 1000 + 1000 = 2500, delay = 2500 * 1000 / 10000 = 250 ms.
        final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());

        assertThat(d.allowed()).isTrue();
        assertThat(d.delayNanos()).isEqualTo(250 * MS);
        assertThat(d.remaining()).isEqualTo(2);
    }

    @Test
    void tryAcquire_rejection_retryAfterIsWhenExcessFitsAgain() {
        final LocalLimiter limiter = LimiterFactory.leakyBucket(TEN_PER_SECOND, 1, 0).newLimiter();
        delaysMillisAtOneInstant(limiter, 2);
        ticker.advanceMillis(40);

        // Stored excess 1000 at t0; at t0+ms the candidate is 2000 - 10 * ms, which fits (<= 1000) from ms = 100.
        final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());

        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterNanos()).isEqualTo(60 * MS);
        ticker.advanceMillis(59);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void tryAcquire_perMinuteRate_usesNginxTruncatedMilliRate() {
        // nginx: rate=1r/m is 1000 / 60 = 16 milli-requests/s, so one request drains after 62.5 s, not 60 s.
        final LocalLimiter limiter = LimiterFactory.leakyBucket(new Rate(1, Duration.ofMinutes(1)), 0, 0)
                .newLimiter();
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();

        ticker.advanceMillis(62_499);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void leakyBucket_burstAbovePackedField_isRejected() {
        assertThatThrownBy(() -> LimiterFactory.leakyBucket(TEN_PER_SECOND, LeakyBucketLimiter.MAX_BURST + 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("burst: 33555");
    }

    @Test
    void idleHorizon_isTheTimeToDrainBurstPlusOne() {
        assertThat(LimiterFactory.leakyBucket(TEN_PER_SECOND, 5, 0).idleHorizon()).isEqualTo(Duration.ofMillis(600));
    }

    /** Returns each request's delay in ms, or -1 for a rejection, for {@code n} requests at the current instant. */
    private List<Long> delaysMillisAtOneInstant(LocalLimiter limiter, int n) {
        final List<Long> delays = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());
            delays.add(d.allowed() ? d.delayNanos() / MS : -1L);
        }
        return delays;
    }
}
