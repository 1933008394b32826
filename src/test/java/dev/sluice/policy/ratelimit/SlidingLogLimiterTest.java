package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link SlidingLogLimiter}: exact counts over any window. */
class SlidingLogLimiterTest {
    private final FakeTicker ticker = new FakeTicker(42);
    private final LocalLimiter limiter = LimiterFactory.slidingLog(3, Duration.ofSeconds(1)).newLimiter();

    @Test
    void tryAcquire_spreadAdmissions_eachLeavesExactlyOneWindowLater() {
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        ticker.advanceMillis(300);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        ticker.advanceMillis(300);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        ticker.advanceMillis(399);

        final RateLimitDecision full = limiter.tryAcquire(ticker.nanoTime());
        assertThat(full.allowed()).isFalse();
        assertThat(full.retryAfterNanos()).isEqualTo(Duration.ofMillis(1).toNanos());

        ticker.advanceMillis(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advanceMillis(300);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void tryAcquire_afterBurst_remainingCountsDown() {
        assertThat(limiter.tryAcquire(ticker.nanoTime()).remaining()).isEqualTo(2);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).remaining()).isEqualTo(1);
        assertThat(limiter.tryAcquire(ticker.nanoTime()).remaining()).isZero();
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
    }

    @Test
    void slidingLog_limitAboveSmallCap_isRejected() {
        assertThatThrownBy(() -> LimiterFactory.slidingLog(1_025, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit: 1025");
    }
}
