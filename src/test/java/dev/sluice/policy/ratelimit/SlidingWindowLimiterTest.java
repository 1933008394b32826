package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link SlidingWindowLimiter}: the weighted estimate around a window boundary. */
class SlidingWindowLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    /** The start of an epoch-aligned ten-second window. */
    private final FakeTicker ticker = new FakeTicker(1_700_000_000L * SECOND);

    private final LocalLimiter limiter = LimiterFactory.slidingWindow(10, Duration.ofSeconds(10)).newLimiter();

    @Test
    void tryAcquire_firstWindow_admitsExactlyLimit() {
        assertThat(admittedNow(20)).isEqualTo(10);
    }

    @Test
    void tryAcquire_justAfterBoundary_previousWindowStillCountsFully() {
        admittedNow(10);
        ticker.advance(Duration.ofSeconds(10));

        // e = 0: estimate = 10 * 10/10 + 0 = 10, nothing fits.
        assertThat(admittedNow(20)).isZero();
    }

    @Test
    void tryAcquire_quarterIntoWindow_admitsQuarterOfPrevious() {
        admittedNow(10);
        ticker.advance(Duration.ofMillis(12_500));

        // e = 2.5 s: the previous window weighs ceil(10 * 7.5 / 10) = 8, so 2 fit.
        assertThat(admittedNow(20)).isEqualTo(2);
    }

    @Test
    void tryAcquire_twoWindowsLater_previousIsForgotten() {
        admittedNow(10);
        ticker.advance(Duration.ofSeconds(20));

        assertThat(admittedNow(20)).isEqualTo(10);
    }

    @Test
    void tryAcquire_rejected_retryAfterIsWhenTheWeightDropsEnough() {
        admittedNow(10);
        ticker.advance(Duration.ofMillis(12_500));
        admittedNow(2);

        final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());

        // Needs ceil(10 * (W - e) / W) <= 10 - 2 - 1 = 7, i.e. W - e <= 7 s: e = 3 s, 0.5 s from now.
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterNanos()).isEqualTo(SECOND / 2);
        ticker.advance(Duration.ofMillis(500).minusNanos(1));
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advance(Duration.ofNanos(1));
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void tryAcquire_fullCurrentWindow_retryAfterFallsInTheNextWindow() {
        ticker.advance(Duration.ofSeconds(4));
        admittedNow(10);

        final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());

        // Next window: ceil(10 * (W - e) / W) <= 9 needs e >= 1 s, i.e. 6 s + 1 s from now.
        assertThat(d.retryAfterNanos()).isEqualTo(7 * SECOND);
    }

    private int admittedNow(int attempts) {
        int admitted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(ticker.nanoTime()).allowed()) {
                admitted++;
            }
        }
        return admitted;
    }
}
