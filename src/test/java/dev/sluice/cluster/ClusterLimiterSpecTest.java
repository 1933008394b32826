package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClusterLimiterSpecTest {
    @Test
    void tokenBucket_rate_intervalFlooredAsLocal() {
        final ClusterLimiterSpec.TokenBucket spec = ClusterLimiterSpec.tokenBucket(3, Duration.ofSeconds(1), 10);

        assertThat(spec.intervalNanos()).isEqualTo(333_333_333L);
        assertThat(spec.depthNanos()).isEqualTo(3_333_333_330L);
        assertThat(spec.limit()).isEqualTo(10);
    }

    @Test
    void tokenBucket_depthBeyondExactDoubles_rejected() {
        assertThatThrownBy(() -> ClusterLimiterSpec.tokenBucket(1, Duration.ofDays(1), 200))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("burst: 200 (expected: burst * period / permits < 2^53 ns");
    }

    @Test
    void leakyBucket_perMinute_nginxRate() {
        final ClusterLimiterSpec.LeakyBucket spec = ClusterLimiterSpec.leakyBucket(1, Duration.ofMinutes(1), 5, 2);

        // nginx: rate=1r/m is 1000 / 60 = 16 milli-requests per second.
        assertThat(spec.rateMilli()).isEqualTo(16);
        assertThat(spec.drainMillis()).isEqualTo(375_000);
        assertThat(spec.limit()).isEqualTo(6);
    }

    @Test
    void leakyBucket_delayAboveBurst_rejected() {
        assertThatThrownBy(() -> ClusterLimiterSpec.leakyBucket(10, Duration.ofSeconds(1), 5, 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay: 6 (expected: 0..burst=5)");
    }

    @Test
    void fixedWindow_subMicrosecondWindow_rejected() {
        assertThatThrownBy(() -> ClusterLimiterSpec.fixedWindow(10, Duration.ofNanos(1500)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("window: PT0.0000015S (expected: a positive whole number of microseconds");
    }

    @Test
    void slidingWindow_limitTimesWindowBeyondExactDoubles_rejected() {
        assertThatThrownBy(() -> ClusterLimiterSpec.slidingWindow(2_000_000, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("window: PT24H (expected: limit * window < 2^53 us");
    }

    @Test
    void slidingLog_limitAboveLocalMaximum_rejected() {
        assertThatThrownBy(() -> ClusterLimiterSpec.slidingLog(1025, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("limit: 1025 (expected: 1..1024; use the sliding window for larger limits)");
    }

    @Test
    void limiterKey_policyAndKey_hashTaggedLayout() {
        assertThat(ClusterKeys.limiter("users-api/rl", "10.0.0.1", "tb"))
                .isEqualTo("sluice:rl:{users-api/rl:10.0.0.1}:tb");
        assertThat(ClusterKeys.instances("prod")).isEqualTo("sluice:instances:{prod}");
    }

    @Test
    void limiterKey_policyIdWithColon_rejected() {
        assertThatThrownBy(() -> ClusterKeys.limiter("a:b", "c", "tb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("policyId: 'a:b' (expected: non-empty, without ':', '{', '}')");
    }
}
