package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.RedisServer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InstanceHeartbeatIntegrationTest {
    private static final Duration PERIOD = Duration.ofMillis(100);
    private static final Duration TTL = Duration.ofMillis(400);

    private static RedisServer server;
    private RedisClusterClient redisA;
    private RedisClusterClient redisB;
    private ScheduledExecutorService scheduler;

    @BeforeAll
    static void startRedis() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @BeforeEach
    void connect() {
        // Two clients, as two gateway instances would have.
        redisA = RedisClusterClient.builder(server.uri()).connect();
        redisB = RedisClusterClient.builder(server.uri()).connect();
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void close() {
        scheduler.shutdownNow();
        redisA.close();
        redisB.close();
    }

    @Test
    void liveInstances_twoInstancesBeating_two() {
        try (InstanceHeartbeat a = InstanceHeartbeat.start(redisA, "two", "gw-a", scheduler, PERIOD, TTL);
                InstanceHeartbeat b = InstanceHeartbeat.start(redisB, "two", "gw-b", scheduler, PERIOD, TTL)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> a.liveInstances() == 2 && b.liveInstances() == 2);
        }
    }

    @Test
    void liveInstances_otherInstanceCrashes_backToOneAfterTtl() {
        try (InstanceHeartbeat a = InstanceHeartbeat.start(redisA, "crash", "gw-a", scheduler, PERIOD, TTL)) {
            final InstanceHeartbeat b = InstanceHeartbeat.start(redisB, "crash", "gw-b", scheduler, PERIOD, TTL);
            await().atMost(Duration.ofSeconds(5)).until(() -> a.liveInstances() == 2);

            b.stopBeating();

            await().atMost(Duration.ofSeconds(5)).until(() -> a.liveInstances() == 1);
        }
    }

    @Test
    void liveInstances_otherInstanceClosed_backToOneAtNextBeat() {
        try (InstanceHeartbeat a = InstanceHeartbeat.start(redisA, "leave", "gw-a", scheduler, PERIOD,
                Duration.ofMinutes(1))) {
            final InstanceHeartbeat b = InstanceHeartbeat.start(redisB, "leave", "gw-b", scheduler, PERIOD,
                    Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(5)).until(() -> a.liveInstances() == 2);

            b.close();

            // The ttl is a minute, so only the deregistration can explain the drop.
            await().atMost(Duration.ofSeconds(5)).until(() -> a.liveInstances() == 1);
        }
    }

    @Test
    void liveInstances_beforeFirstBeatOrRedisDown_atLeastOne() {
        server.stop();
        try (InstanceHeartbeat a = InstanceHeartbeat.start(redisA, "down", "gw-a", scheduler, PERIOD, TTL)) {
            assertThat(a.liveInstances()).isEqualTo(1);
            assertThat(a.beat()).failsWithin(Duration.ofSeconds(5));
            assertThat(a.liveInstances()).isEqualTo(1);
        } finally {
            server.restart();
        }
    }

    @Test
    void beat_instancesKey_hashTaggedAndExpiring() {
        try (InstanceHeartbeat a = InstanceHeartbeat.start(redisA, "keys", "gw-a", scheduler, PERIOD, TTL)) {
            assertThat(a.beat()).succeedsWithin(Duration.ofSeconds(5)).isEqualTo(1);
            final long ttl = redisA.commands().pttl("sluice:instances:{keys}").toCompletableFuture().join();
            assertThat(ttl).isPositive().isLessThanOrEqualTo(TTL.toMillis() + 2);
        }
    }
}
