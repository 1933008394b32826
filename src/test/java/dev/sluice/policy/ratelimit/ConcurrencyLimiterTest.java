package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link ConcurrencyLimiter}. */
class ConcurrencyLimiterTest {
    private final ConcurrencyLimiter limiter = LimiterFactory.concurrency(2, Duration.ofMinutes(1)).newLimiter();

    @Test
    void tryAcquire_atLimit_rejectsUntilRelease() {
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();

        assertThat(limiter.release()).isTrue();

        assertThat(limiter.tryAcquire(0).allowed()).isTrue();
        assertThat(limiter.inFlight()).isEqualTo(2);
    }

    @Test
    void release_nothingInFlight_returnsFalseAndStaysAtZero() {
        assertThat(limiter.release()).isFalse();

        assertThat(limiter.inFlight()).isZero();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isTrue();
        assertThat(limiter.tryAcquire()).isFalse();
    }
}
