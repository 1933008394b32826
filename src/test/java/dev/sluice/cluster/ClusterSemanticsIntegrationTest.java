package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.RedisServer;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Lua scripts return exactly what the local limiters return (every field, to the nanosecond) for the same
 * arrival times: random bursts and gaps are fed to the script (time passed in, instead of Redis TIME) and to
 * {@link LocalReference}, and the decisions compared one by one.
 */
class ClusterSemanticsIntegrationTest {
    private static final int ARRIVALS = 400;

    private static RedisServer server;
    private static RedisClusterClient redis;
    private static ClusterRateLimiter limiter;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
        redis = RedisClusterClient.builder(server.uri()).commandTimeout(Duration.ofSeconds(5)).connect();
        limiter = new ClusterRateLimiter(redis);
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
        server.close();
    }

    static Stream<Arguments> specs() {
        return Stream.of(
                Arguments.of("token bucket 10/s burst 5", ClusterLimiterSpec.tokenBucket(10, Duration.ofSeconds(1), 5)),
                Arguments.of("token bucket 3/s burst 2 (interval not a whole microsecond)",
                        ClusterLimiterSpec.tokenBucket(3, Duration.ofSeconds(1), 2)),
                Arguments.of("token bucket 7/min burst 1", ClusterLimiterSpec.tokenBucket(7, Duration.ofMinutes(1), 1)),
                Arguments.of("leaky 10r/s burst 5", ClusterLimiterSpec.leakyBucket(10, Duration.ofSeconds(1), 5, 0)),
                Arguments.of("leaky 3r/s burst 4 delay=2", ClusterLimiterSpec.leakyBucket(3, Duration.ofSeconds(1), 4,
                        2)),
                Arguments.of("leaky 30r/m burst 3 nodelay", ClusterLimiterSpec.leakyBucket(30, Duration.ofMinutes(1),
                        3, 3)),
                Arguments.of("leaky 10r/s burst 0", ClusterLimiterSpec.leakyBucket(10, Duration.ofSeconds(1), 0, 0)),
                Arguments.of("fixed 5 per 1s", ClusterLimiterSpec.fixedWindow(5, Duration.ofSeconds(1))),
                Arguments.of("fixed 3 per 333ms", ClusterLimiterSpec.fixedWindow(3, Duration.ofMillis(333))),
                Arguments.of("sliding 5 per 1s", ClusterLimiterSpec.slidingWindow(5, Duration.ofSeconds(1))),
                Arguments.of("sliding 7 per 777ms", ClusterLimiterSpec.slidingWindow(7, Duration.ofMillis(777))),
                Arguments.of("sliding 1 per 1s", ClusterLimiterSpec.slidingWindow(1, Duration.ofSeconds(1))),
                Arguments.of("log 4 per 500ms", ClusterLimiterSpec.slidingLog(4, Duration.ofMillis(500))),
                Arguments.of("log 1 per 1s", ClusterLimiterSpec.slidingLog(1, Duration.ofSeconds(1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specs")
    void decideAt_randomArrivals_sameDecisionsAsLocalLimiter(String name, ClusterLimiterSpec spec) {
        final LocalReference.Model local = LocalReference.of(spec);
        final SplittableRandom random = new SplittableRandom(name.hashCode());
        final String policy = "semantics-" + Integer.toHexString(name.hashCode());
        // A day ahead of the server clock, so keys never expire by Redis' own clock while the test runs.
        long nowMicros = (System.currentTimeMillis() + 86_400_000L) * 1000 + random.nextInt(1000);
        for (int i = 0; i < ARRIVALS; i++) {
            // Bursts at one microsecond, sub-millisecond gaps, and gaps of up to a few seconds.
            final int kind = random.nextInt(10);
            if (kind >= 3) {
                nowMicros += kind < 7 ? random.nextInt(1000) : random.nextInt(3_000_000);
            }
            final ClusterDecision expected = local.decide(nowMicros * 1000);
            final ClusterDecision actual = limiter.decideAt(spec, policy, "k", nowMicros).toCompletableFuture().join();
            assertThat(actual).as("arrival %d at %d us", i, nowMicros).isEqualTo(expected);
        }
    }
}
