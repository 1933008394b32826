package dev.sluice.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RedisServer;
import dev.sluice.testing.TestUpstream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster-scope rate limits: several gateway instances share one real Redis (started by the test on a free
 * port), and the configured behaviour applies while Redis is down.
 */
class ClusterRateLimitIntegrationTest {
    private RedisServer redis;
    private TestUpstream upstream;
    private final List<GatewayHarness> gateways = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        upstream = TestUpstream.start("app");
    }

    @AfterEach
    void stop() {
        gateways.forEach(GatewayHarness::close);
        upstream.close();
        redis.close();
    }

    private GatewayHarness gateway(String policy) throws Exception {
        final GatewayHarness gw = GatewayHarness.start("""
                cluster:
                  redis: ${REDIS}
                  name: test
                upstreams:
                  app: { targets: [ { url: "${UP}" } ] }
                routes:
                  - id: api
                    match: { path_prefix: / }
                    upstream: app
                    policies:
                      - rate_limit: %s
                """.formatted(policy), Map.of("UP", upstream.url(), "REDIS", redis.uri()));
        gateways.add(gw);
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().cluster().isConnected());
        return gw;
    }

    /** Sends {@code perClient} requests from each of {@code clients} threads spread over the gateways. */
    private static Map<Integer, Integer> load(List<GatewayHarness> targets, int clients, int perClient)
            throws Exception {
        final Map<Integer, Integer> byStatus = new ConcurrentHashMap<>();
        final ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            final List<Future<?>> work = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                final GatewayHarness gw = targets.get(c % targets.size());
                work.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        final HttpResponse<String> r = gw.get("/x");
                        byStatus.merge(r.statusCode(), 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return byStatus;
    }

    @Test
    void threeInstances_shareOneLimit_totalAdmittedWithinTwoPercent() throws Exception {
        final String policy = "{ algorithm: sliding_log, rate: 300/h, scope: cluster }";
        final List<GatewayHarness> three = List.of(gateway(policy), gateway(policy), gateway(policy));

        final Map<Integer, Integer> byStatus = load(three, 6, 100);

        assertThat(byStatus.getOrDefault(200, 0) + byStatus.getOrDefault(429, 0)).isEqualTo(600);
        assertThat(byStatus.getOrDefault(200, 0)).isBetween(294, 306);
        assertThat(upstream.requests()).isEqualTo(byStatus.get(200));
    }

    @Test
    void tokenBucket_sharedAcrossInstances_burstIsGlobal() throws Exception {
        final String policy = "{ algorithm: token_bucket, rate: 1/h, burst: 4, scope: cluster, key: client_ip }";
        final GatewayHarness a = gateway(policy);
        final GatewayHarness b = gateway(policy);

        final List<Integer> statuses = new ArrayList<>();
        for (GatewayHarness gw : List.of(a, b, a, b, a, b)) {
            statuses.add(gw.get("/x").statusCode());
        }

        assertThat(statuses).containsExactly(200, 200, 200, 200, 429, 429);
    }

    @Test
    void redisDown_failOpen_admitsEverythingThenRecovers() throws Exception {
        final GatewayHarness gw = gateway("{ algorithm: fixed_window, rate: 2/h, scope: cluster,"
                + " on_redis_failure: fail_open }");
        assertThat(List.of(gw.get("/x").statusCode(), gw.get("/x").statusCode(), gw.get("/x").statusCode()))
                .containsExactly(200, 200, 429);

        redis.stop();
        final Map<Integer, Integer> during = load(List.of(gw), 2, 10);
        assertThat(during).containsOnlyKeys(200);

        redis.restart();
        // Redis restarted empty: the limit applies afresh once the gateway sees Redis again.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gw.get("/x").statusCode())
                .isEqualTo(429));
    }

    @Test
    void redisStoppedMidLoad_failOpen_noRequestFailsAcrossTheOutage() throws Exception {
        final GatewayHarness gw = gateway("{ algorithm: token_bucket, rate: 1000000/h, scope: cluster,"
                + " on_redis_failure: fail_open }");
        final Map<Integer, Integer> byStatus = new ConcurrentHashMap<>();
        final AtomicInteger sent = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            loops.add(pool.submit(() -> {
                while (running.get()) {
                    byStatus.merge(gw.get("/x").statusCode(), 1, Integer::sum);
                    sent.incrementAndGet();
                }
                return null;
            }));
        }
        try {
            await().until(() -> sent.get() > 100);
            redis.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !gw.gateway().cluster().isRedisUp());
            final int atOutage = sent.get();
            await().until(() -> sent.get() > atOutage + 100);
            redis.restart();
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().cluster().isRedisUp());
            final int atRecovery = sent.get();
            await().until(() -> sent.get() > atRecovery + 100);
        } finally {
            running.set(false);
            for (Future<?> f : loops) {
                f.get();
            }
            pool.shutdown();
        }
        assertThat(byStatus).containsOnlyKeys(200);
    }

    @Test
    void redisDown_failClosed_rejectsWith503ThenRecovers() throws Exception {
        final GatewayHarness gw = gateway("{ algorithm: fixed_window, rate: 100/h, scope: cluster,"
                + " on_redis_failure: fail_closed }");
        assertThat(gw.get("/x").statusCode()).isEqualTo(200);

        redis.stop();
        final HttpResponse<String> rejected = gw.get("/x");
        assertThat(rejected.statusCode()).isEqualTo(503);
        assertThat(rejected.body()).contains("\"code\":\"rate_limiter_unavailable\"");
        assertThat(rejected.headers().firstValue("retry-after")).hasValue("1");

        redis.restart();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(gw.get("/x").statusCode())
                .isEqualTo(200));
    }

    @Test
    void redisDown_localFallback_limitsAtShareOfLimitAndNoRequestFails() throws Exception {
        final String policy = "{ algorithm: fixed_window, rate: 10/h, scope: cluster, on_redis_failure: local }";
        final GatewayHarness a = gateway(policy);
        final GatewayHarness b = gateway(policy);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.gateway().cluster().rateLimits().liveInstances() == 2);

        redis.stop();
        final AtomicInteger admitted = new AtomicInteger();
        final Map<Integer, Integer> during = load(List.of(a), 1, 8);
        admitted.addAndGet(during.getOrDefault(200, 0));

        // 10 per hour shared by 2 live instances: each admits 5 on its own while Redis is away.
        assertThat(during).containsOnlyKeys(200, 429);
        assertThat(admitted.get()).isEqualTo(5);
        assertThat(b.get("/x").statusCode()).isEqualTo(200);
    }

    @Test
    void gatewayStartsWhileRedisIsDown_appliesFailureBehaviourUntilRedisAppears() throws Exception {
        redis.stop();
        final GatewayHarness gw = GatewayHarness.start("""
                cluster:
                  redis: ${REDIS}
                upstreams:
                  app: { targets: [ { url: "${UP}" } ] }
                routes:
                  - id: api
                    match: { path_prefix: / }
                    upstream: app
                    policies:
                      - rate_limit: { algorithm: fixed_window, rate: 1/h, scope: cluster, on_redis_failure: fail_open }
                """, Map.of("UP", upstream.url(), "REDIS", redis.uri()));
        gateways.add(gw);
        assertThat(gw.get("/x").statusCode()).isEqualTo(200);
        assertThat(gw.get("/x").statusCode()).isEqualTo(200);

        redis.restart();
        await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().cluster().isConnected());
        assertThat(gw.get("/x").statusCode()).isEqualTo(200);
        assertThat(gw.get("/x").statusCode()).isEqualTo(429);
    }
}
