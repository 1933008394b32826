package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.Rate;
import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link TokenBucketLimiter} against a {@link FakeTicker}. */
class TokenBucketLimiterTest {
    /** 10 permits per second: one token every 100 ms. */
    private static final Rate TEN_PER_SECOND = Rate.perSecond(10);

    private final FakeTicker ticker = new FakeTicker(1_700_000_000_000_000_000L);

    @Test
    void tryAcquire_newBucket_admitsExactlyBurstAtOneInstant() {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(TEN_PER_SECOND, 5).newLimiter();

        for (int i = 0; i < 5; i++) {
            final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(4 - i);
        }
        final RateLimitDecision sixth = limiter.tryAcquire(ticker.nanoTime());

        assertThat(sixth.allowed()).isFalse();
        assertThat(sixth.retryAfterNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(sixth.resetAfterNanos()).isEqualTo(Duration.ofMillis(500).toNanos());
    }

    @Test
    void tryAcquire_emptyBucket_refillsOneTokenPerInterval() {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(TEN_PER_SECOND, 5).newLimiter();
        drain(limiter);

        ticker.advanceMillis(99);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
    }

    @Test
    void tryAcquire_longIdle_neverHoldsMoreThanCapacity() {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(TEN_PER_SECOND, 5).newLimiter();
        drain(limiter);

        ticker.advance(Duration.ofHours(1));

        assertThat(drain(limiter)).isEqualTo(5);
    }

    @Test
    void tryAcquire_halfRefilled_admitsHalfTheBurst() {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(TEN_PER_SECOND, 6).newLimiter();
        drain(limiter);

        ticker.advanceMillis(300);

        assertThat(drain(limiter)).isEqualTo(3);
    }

    @Test
    void tryAcquireNanos_rejection_encodesRetryAfter() {
        final LocalLimiter limiter = LimiterFactory.tokenBucket(TEN_PER_SECOND, 1).newLimiter();
        assertThat(limiter.tryAcquireNanos(ticker.nanoTime())).isZero();
        ticker.advanceMillis(30);

        final long outcome = limiter.tryAcquireNanos(ticker.nanoTime());

        assertThat(RateLimitDecision.isAllowed(outcome)).isFalse();
        assertThat(RateLimitDecision.retryAfterNanosOf(outcome)).isEqualTo(Duration.ofMillis(70).toNanos());
    }

    @Test
    void tokenBucket_rateAboveOnePerNanosecond_isRejected() {
        assertThatThrownBy(() -> LimiterFactory.tokenBucket(new Rate(2, Duration.ofNanos(1)), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most one permit per nanosecond");
    }

    @Test
    void idleHorizon_isTheTimeToRefillTheWholeBucket() {
        assertThat(LimiterFactory.tokenBucket(TEN_PER_SECOND, 5).idleHorizon()).isEqualTo(Duration.ofMillis(500));
    }

    private int drain(LocalLimiter limiter) {
        int admitted = 0;
        while (limiter.tryAcquire(ticker.nanoTime()).allowed()) {
            admitted++;
        }
        return admitted;
    }
}
