package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Behavior;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Concurrency limits on a route and on an upstream, through the gateway against an upstream that holds requests
 * until the test lets them go: rejection with {@code Retry-After} when full, waiting in the queue, the queue
 * timeout, clients leaving, and an adaptive limit following the upstream's latency and its 503s.
 */
class ConcurrencyLimitIntegrationTest {
    private static final Duration AWAIT = Duration.ofSeconds(10);
    private static final int MAX = 2;
    /**
     * An adaptive upstream limit starting small enough for {@link #ADAPTIVE_CLIENTS} clients to use it fully. The
     * queue holds what the limit does not admit, so no client spins on 503s and the load stays bounded.
     */
    private static final String ADAPTIVE =
            "{ max: 200, queue: 50, queue_timeout: 10s, adaptive: { initial: 8, min: 2 } }";
    private static final int ADAPTIVE_CLIENTS = 8;

    private TestUpstream up;

    @BeforeEach
    void startUpstream() throws Exception {
        up = TestUpstream.start("up");
        up.respondWith(r -> Behavior.hold(200, "up"));
    }

    @AfterEach
    void stopUpstream() {
        up.close();
    }

    private GatewayHarness gateway(Level level, String concurrency) throws Exception {
        final String upstreamLine = level == Level.UPSTREAM ? "concurrency: " + concurrency : "";
        final String routeLine = level == Level.ROUTE ? "concurrency: " + concurrency : "";
        return GatewayHarness.start("""
                upstreams:
                  u:
                    targets: [ { url: "${UP}" } ]
                    %s
                routes:
                  - id: r
                    match: { path_prefix: / }
                    upstream: u
                    %s
                """.formatted(upstreamLine, routeLine), Map.of("UP", up.url()));
    }

    @ParameterizedTest
    @EnumSource(Level.class)
    void full_nextRequestAnswered503WithRetryAfter(Level level) throws Exception {
        try (GatewayHarness gw = gateway(level, "{ max: " + MAX + " }")) {
            final List<CompletableFuture<HttpResponse<String>>> held = sendHeld(gw, MAX);

            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"concurrency_limited\"");
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            assertThat(up.requests()).isEqualTo(MAX);

            up.releaseAll();
            assertAllServed(held);
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().inFlight() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Level.class)
    void queued_servedWhenASlotFrees(Level level) throws Exception {
        try (GatewayHarness gw = gateway(level, "{ max: " + MAX + ", queue: 1, queue_timeout: 10s }")) {
            final List<CompletableFuture<HttpResponse<String>>> held = sendHeld(gw, MAX);
            final CompletableFuture<HttpResponse<String>> queued = sendAsync(gw);
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().queued() == 1);
            assertThat(up.requests()).isEqualTo(MAX);

            assertThat(up.release(1)).isEqualTo(1);
            await().atMost(AWAIT).until(() -> up.held() == MAX); // the queued request reached the upstream
            assertThat(gate(gw, level).snapshot().queued()).isZero();

            up.releaseAll();
            assertAllServed(held);
            assertAllServed(List.of(queued));
            assertThat(up.requests()).isEqualTo(MAX + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(Level.class)
    void queued_pastQueueTimeout_503WithRetryAfter(Level level) throws Exception {
        try (GatewayHarness gw = gateway(level, "{ max: " + MAX + ", queue: 1, queue_timeout: 200ms }")) {
            final List<CompletableFuture<HttpResponse<String>>> held = sendHeld(gw, MAX);

            final long start = System.nanoTime();
            final HttpResponse<String> r = gw.get("/x");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(200);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"concurrency_limited\"");
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            assertThat(gate(gw, level).snapshot().timedOutTotal()).isEqualTo(1);
            assertThat(up.requests()).isEqualTo(MAX);

            up.releaseAll();
            assertAllServed(held);
        }
    }

    @ParameterizedTest
    @EnumSource(Level.class)
    void queuedClientDisconnects_placeAndSlotsFreed(Level level) throws Exception {
        try (GatewayHarness gw = gateway(level, "{ max: " + MAX + ", queue: 1, queue_timeout: 10s }")) {
            final List<CompletableFuture<HttpResponse<String>>> held = sendHeld(gw, MAX);
            try (RawClient leaving = RawClient.connect(gw.port())) {
                leaving.send("GET /x HTTP/1.1\r\nHost: test\r\n\r\n");
                await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().queued() == 1);
            }
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().cancelledTotal() == 1);
            assertThat(gate(gw, level).snapshot().queued()).isZero();

            // Its place in the queue is free again: a new request waits there instead of being turned away.
            final CompletableFuture<HttpResponse<String>> next = sendAsync(gw);
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().queued() == 1);
            up.releaseAll();
            assertAllServed(held);
            await().atMost(AWAIT).until(() -> up.held() == 1);
            up.releaseAll();
            assertAllServed(List.of(next));
            assertThat(up.requests()).isEqualTo(MAX + 1); // the one that left never reached the upstream

            // No slot leaked: MAX requests can be in flight at once again, and all slots come back.
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().inFlight() == 0);
            final List<CompletableFuture<HttpResponse<String>>> again = sendHeld(gw, MAX);
            up.releaseAll();
            assertAllServed(again);
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().inFlight() == 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Level.class)
    void inFlightClientDisconnects_slotFreed(Level level) throws Exception {
        try (GatewayHarness gw = gateway(level, "{ max: " + MAX + " }")) {
            try (RawClient leaving = RawClient.connect(gw.port())) {
                leaving.send("GET /x HTTP/1.1\r\nHost: test\r\n\r\n");
                await().atMost(AWAIT).until(() -> up.held() == 1);
            }
            await().atMost(AWAIT).until(() -> gate(gw, level).snapshot().inFlight() == 0 && up.held() == 0);

            final List<CompletableFuture<HttpResponse<String>>> again = sendHeld(gw, MAX);
            up.releaseAll();
            assertAllServed(again);
        }
    }

    @Test
    void adaptive_upstreamSlowsDownThenRecovers_limitFallsThenRises() throws Exception {
        final AtomicLong delayMillis = new AtomicLong(10);
        up.respondWith(r -> Behavior.respond(200, "up").delayed(delayMillis.get()));
        try (GatewayHarness gw = gateway(Level.UPSTREAM, ADAPTIVE);
             ClientLoad load = ClientLoad.start(gw, ADAPTIVE_CLIENTS)) {
            final ConcurrencyGate gate = gate(gw, Level.UPSTREAM);
            awaitWarm(gate);

            delayMillis.set(100);
            final int before = gate.snapshot().limit();
            await().atMost(AWAIT).until(() -> gate.snapshot().limit() <= before - 3);

            delayMillis.set(10);
            final AtomicInteger lowest = new AtomicInteger(gate.snapshot().limit());
            await().atMost(AWAIT).until(() -> {
                final int limit = gate.snapshot().limit();
                lowest.accumulateAndGet(limit, Math::min);
                return limit >= lowest.get() + 3;
            });

            load.close();
            assertThat(load.answered(200)).isEqualTo(load.answered());
            assertThat(gate.snapshot().rejectedTotal()).isZero();
            await().atMost(AWAIT).until(() -> gate.snapshot().inFlight() == 0);
        }
    }

    @Test
    void adaptive_upstreamAnswers503_limitFalls() throws Exception {
        // Fast 503s are overload, not health: the limit must fall although the latency does not rise.
        final AtomicInteger status = new AtomicInteger(200);
        up.respondWith(r -> Behavior.respond(status.get(), "up").delayed(10));
        try (GatewayHarness gw = gateway(Level.UPSTREAM, ADAPTIVE);
             ClientLoad load = ClientLoad.start(gw, ADAPTIVE_CLIENTS)) {
            final ConcurrencyGate gate = gate(gw, Level.UPSTREAM);
            awaitWarm(gate);

            status.set(503);
            final int before = gate.snapshot().limit();
            await().atMost(AWAIT).until(() -> gate.snapshot().limit() <= before - 3);
            load.close();
            assertThat(load.answered(503)).isPositive();
        }
    }

    /**
     * Waits until the adaptive limit has grown from its initial 8: windows of the fast baseline latency have passed
     * (it grows only while the load uses at least half of it, which eight clients do).
     */
    private static void awaitWarm(ConcurrencyGate gate) {
        await().atMost(AWAIT).until(() -> gate.snapshot().limit() >= 10);
    }

    private static ConcurrencyGate gate(GatewayHarness gw, Level level) {
        return level == Level.UPSTREAM ? gw.gateway().snapshot().upstreams().get("u").concurrency()
                : gw.gateway().snapshot().routes().stream().filter(r -> r.id().equals("r")).findFirst()
                        .orElseThrow().concurrency();
    }

    /** Sends {@code n} requests and waits until the upstream holds all of them. */
    private List<CompletableFuture<HttpResponse<String>>> sendHeld(GatewayHarness gw, int n) {
        final int before = up.held();
        final List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            sent.add(sendAsync(gw));
        }
        await().atMost(AWAIT).until(() -> up.held() == before + n);
        return sent;
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(GatewayHarness gw) {
        return gw.client().sendAsync(gw.request("/x").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertAllServed(List<CompletableFuture<HttpResponse<String>>> responses) throws Exception {
        for (CompletableFuture<HttpResponse<String>> f : responses) {
            final HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("up");
        }
    }

    /** Where the limit is configured. */
    enum Level { ROUTE, UPSTREAM }

    /** Clients that each send one request after another on their own connection until closed. */
    private static final class ClientLoad implements AutoCloseable {
        private final ExecutorService threads;
        private final List<Future<?>> clients = new ArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();

        private ClientLoad(int n) {
            this.threads = Executors.newFixedThreadPool(n);
        }

        static ClientLoad start(GatewayHarness gw, int n) {
            final ClientLoad load = new ClientLoad(n);
            for (int i = 0; i < n; i++) {
                load.clients.add(load.threads.submit(() -> {
                    try (RawClient c = RawClient.connect(gw.port())) {
                        while (!load.stop.get()) {
                            load.statuses.computeIfAbsent(c.get("/x").status(), k -> new AtomicInteger())
                                    .incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            return load;
        }

        int answered(int status) {
            final AtomicInteger n = statuses.get(status);
            return n == null ? 0 : n.get();
        }

        int answered() {
            return statuses.values().stream().mapToInt(AtomicInteger::get).sum();
        }

        /** Stops the clients after their current request and fails if one of them failed. Idempotent. */
        @Override
        public void close() throws Exception {
            stop.set(true);
            try {
                for (Future<?> f : clients) {
                    f.get(20, TimeUnit.SECONDS);
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }
}
