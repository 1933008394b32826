package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis going down, stalling, and coming back, with a server of this test's own. */
class RedisFailureIntegrationTest {
    private static final ClusterLimiterSpec SPEC = ClusterLimiterSpec.tokenBucket(1000, Duration.ofSeconds(1), 100);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(200);

    private RedisServer server;
    private RedisClusterClient redis;
    private ClusterRateLimiter limiter;

    @BeforeEach
    void start() {
        server = RedisServer.start();
        redis = RedisClusterClient.builder(server.uri()).probeInterval(PROBE_INTERVAL).connect();
        limiter = new ClusterRateLimiter(redis);
    }

    @AfterEach
    void stop() {
        redis.close();
        server.close();
    }

    @Test
    void decide_redisStopped_failsFastWithRedisUnavailable() {
        assertThat(decide().join().allowed()).isTrue();

        server.stop();

        final long start = System.nanoTime();
        final CompletableFuture<ClusterDecision> first = decide();
        final Throwable failure = failureOf(first);
        assertThat(failure).isInstanceOf(RedisUnavailableException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("bounded by the command timeout, not by reconnect attempts")
                .isLessThan(Duration.ofSeconds(1));
        assertThat(redis.health().isUp()).isFalse();
        // Within the probe interval, calls are refused before any I/O: the stage is already failed on return.
        final CompletableFuture<ClusterDecision> next = decide();
        assertThat(next).isCompletedExceptionally();
        assertThat(failureOf(next)).isInstanceOf(RedisUnavailableException.class);
    }

    @Test
    void decide_redisRestarted_recoversAutomatically() {
        assertThat(decide().join().allowed()).isTrue();
        server.stop();
        assertThat(failureOf(decide())).isInstanceOf(RedisUnavailableException.class);

        server.restart();

        // The restarted server has no scripts either: recovery also goes through the NOSCRIPT reload.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(decide()).succeedsWithin(Duration.ofSeconds(1));
        });
        assertThat(redis.health().isUp()).isTrue();
        assertThat(decide().join().allowed()).isTrue();
    }

    @Test
    void decide_redisStalled_timesOutThenFailsFastThenRecovers() {
        assertThat(decide().join().allowed()).isTrue();

        server.pause();
        try {
            final long start = System.nanoTime();
            final Throwable failure = failureOf(decide());
            final Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(failure).isInstanceOf(RedisUnavailableException.class);
            assertThat(failure.getCause()).hasMessageContaining("timed out");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(90)).isLessThan(Duration.ofSeconds(1));
            assertThat(redis.health().isUp()).isFalse();
            assertThat(decide()).isCompletedExceptionally();
        } finally {
            server.resume();
        }

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            assertThat(decide()).succeedsWithin(Duration.ofSeconds(1));
        });
        assertThat(redis.health().isUp()).isTrue();
    }

    private CompletableFuture<ClusterDecision> decide() {
        return limiter.decide(SPEC, "failure/rl", "client").toCompletableFuture();
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.orTimeout(5, TimeUnit.SECONDS).join();
        } catch (CompletionException e) {
            return e.getCause();
        }
        throw new AssertionError("expected a failure, got " + future.join());
    }
}
