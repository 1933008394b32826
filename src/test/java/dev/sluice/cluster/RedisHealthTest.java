package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RedisHealthTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RedisHealth health = new RedisHealth(Duration.ofSeconds(1), now::get);

    @Test
    void tryAcquirePermission_up_alwaysAllows() {
        assertThat(health.tryAcquirePermission()).isTrue();
        assertThat(health.tryAcquirePermission()).isTrue();
        assertThat(health.isUp()).isTrue();
    }

    @Test
    void tryAcquirePermission_downWithinProbeInterval_refuses() {
        health.onFailure();

        now.addAndGet(Duration.ofMillis(999).toNanos());

        assertThat(health.isUp()).isFalse();
        assertThat(health.tryAcquirePermission()).isFalse();
    }

    @Test
    void tryAcquirePermission_downAfterProbeInterval_allowsExactlyOneTrial() {
        health.onFailure();
        now.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(health.tryAcquirePermission()).isTrue();
        assertThat(health.tryAcquirePermission()).isFalse();
    }

    @Test
    void onFailure_trialFails_nextTrialOneIntervalLater() {
        health.onFailure();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(health.tryAcquirePermission()).isTrue();

        health.onFailure();
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(health.tryAcquirePermission()).isFalse();
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(health.tryAcquirePermission()).isTrue();
        assertThat(health.downFor()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void onSuccess_afterTrial_upAndAllowsEveryCall() {
        health.onFailure();
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(health.tryAcquirePermission()).isTrue();

        health.onSuccess();

        assertThat(health.isUp()).isTrue();
        assertThat(health.downFor()).isEqualTo(Duration.ZERO);
        assertThat(health.tryAcquirePermission()).isTrue();
        assertThat(health.tryAcquirePermission()).isTrue();
    }
}
