package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link FixedWindowLimiter} against a {@link FakeTicker}. */
class FixedWindowLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    /** 10 ms before the end of an epoch-aligned one-second window. */
    private final FakeTicker ticker = new FakeTicker(1_700_000_000L * SECOND - 10_000_000L);

    @Test
    void tryAcquire_withinOneWindow_admitsExactlyLimit() {
        final LocalLimiter limiter = LimiterFactory.fixedWindow(3, Duration.ofSeconds(1)).newLimiter();

        assertThat(admittedNow(limiter, 10)).isEqualTo(3);
    }

    @Test
    void tryAcquire_atTheWindowEdge_resetsToFullLimit() {
        final LocalLimiter limiter = LimiterFactory.fixedWindow(3, Duration.ofSeconds(1)).newLimiter();
        admittedNow(limiter, 3);

        ticker.advance(Duration.ofMillis(10).minusNanos(1));
        assertThat(limiter.tryAcquire(ticker.nanoTime()).allowed()).isFalse();
        ticker.advance(Duration.ofNanos(1));

        assertThat(admittedNow(limiter, 10)).isEqualTo(3);
    }

    @Test
    void tryAcquire_rejected_retryAfterIsTheWindowEnd() {
        final LocalLimiter limiter = LimiterFactory.fixedWindow(1, Duration.ofSeconds(1)).newLimiter();
        final RateLimitDecision first = limiter.tryAcquire(ticker.nanoTime());

        final RateLimitDecision second = limiter.tryAcquire(ticker.nanoTime());

        assertThat(first.resetAfterNanos()).isEqualTo(10_000_000L);
        assertThat(second.allowed()).isFalse();
        assertThat(second.retryAfterNanos()).isEqualTo(10_000_000L);
    }

    @Test
    void tryAcquire_twoLimitersSameClock_agreeOnWindowBoundaries() {
        final LocalLimiter a = LimiterFactory.fixedWindow(2, Duration.ofSeconds(1)).newLimiter();
        final LocalLimiter b = LimiterFactory.fixedWindow(2, Duration.ofSeconds(1)).newLimiter();
        admittedNow(a, 2);
        ticker.advance(Duration.ofMillis(5));
        admittedNow(b, 2);

        ticker.advance(Duration.ofMillis(5));

        assertThat(a.tryAcquire(ticker.nanoTime()).remaining()).isEqualTo(1);
        assertThat(b.tryAcquire(ticker.nanoTime()).remaining()).isEqualTo(1);
    }

    @Test
    void tryAcquire_keyIdleManyWindows_startsFromZero() {
        final LocalLimiter limiter = LimiterFactory.fixedWindow(2, Duration.ofMillis(1)).newLimiter();
        admittedNow(limiter, 2);

        ticker.advance(Duration.ofDays(3650));

        assertThat(admittedNow(limiter, 5)).isEqualTo(2);
    }

    private int admittedNow(LocalLimiter limiter, int attempts) {
        int admitted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(ticker.nanoTime()).allowed()) {
                admitted++;
            }
        }
        return admitted;
    }
}
