package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Upstream keep-alive through the per-event-loop pools, observed from the upstream's side. */
class KeepAliveIntegrationTest {
    private static final String CONFIG = """
            server: { listen: 127.0.0.1:0, workers: %d }
            upstreams:
              u:
                targets: [ { url: "${UP}" } ]
                pool: { max_connections: %d, max_pending: %d, idle_timeout: %s }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u }
            """;

    @Test
    void sequentialRequests_oneClientConnection_useOneUpstreamConnection() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 2, 100, 100, "60s");
                RawClient c = RawClient.connect(gw.port())) {
            for (int i = 0; i < 20; i++) {
                assertThat(c.get("/r" + i).status()).isEqualTo(200);
            }
            assertThat(up.connections()).isEqualTo(1);
            assertThat(up.requests()).isEqualTo(20);
        }
    }

    @Test
    void concurrentClients_load_openAtMostOneUpstreamConnectionPerClient() throws Exception {
        final int clients = 6;
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 2, 100, 100, "60s")) {
            up.respondWith(r -> Behavior.respond(200, "ok").delayed(5));
            final List<RawClient> conns = connect(gw, clients);
            try {
                runRound(conns, 10);
                assertThat(up.connections()).isBetween(1, clients);
            } finally {
                closeAll(conns);
            }
        }
    }

    @Test
    void concurrentClients_secondRound_reuseUpstreamConnections() throws Exception {
        final int clients = 6;
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 2, 100, 100, "60s")) {
            up.respondWith(r -> Behavior.respond(200, "ok").delayed(5));
            final List<RawClient> conns = connect(gw, clients);
            try {
                runRound(conns, 10);
                final int afterFirst = up.connections();
                runRound(conns, 10);
                assertThat(up.connections()).isEqualTo(afterFirst);
            } finally {
                closeAll(conns);
            }
        }
    }

    @Test
    void pool_maxConnectionsReached_excessWaitsAndBeyondPendingGets503() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 1, 1, "60s")) {
            up.respondWith(r -> Behavior.respond(200, "ok").delayed(1000));
            final List<RawClient> conns = connect(gw, 3);
            try {
                for (RawClient c : conns) {
                    c.send("GET /x HTTP/1.1\r\nHost: test\r\n\r\n");
                }
                final List<RawClient.Response> responses = new ArrayList<>();
                for (RawClient c : conns) {
                    responses.add(c.read(false));
                }
                assertThat(responses).extracting(RawClient.Response::status).containsExactlyInAnyOrder(200, 200, 503);
                assertThat(responses).filteredOn(r -> r.status() == 503).singleElement()
                        .extracting(RawClient.Response::body).asString().contains("\"code\":\"upstream_overloaded\"");
                assertThat(up.connections()).isEqualTo(1);
            } finally {
                closeAll(conns);
            }
        }
    }

    @Test
    void pool_idleTimeout_closesIdleUpstreamConnection() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 10, 10, "300ms")) {
            assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            assertThat(up.openConnections()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> up.openConnections() == 0);
        }
    }

    @Test
    void upstreamRespondsConnectionClose_nextRequest_usesFreshConnectionAndSucceeds() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 10, 10, "60s");
                RawClient c = RawClient.connect(gw.port())) {
            up.respondWith(r -> Behavior.respond(200, "ok").withHeader("Connection", "close"));
            for (int i = 0; i < 5; i++) {
                assertThat(c.get("/x").status()).isEqualTo(200);
            }
            assertThat(up.connections()).isEqualTo(5);
        }
    }

    @Test
    void upstreamClosedIdleConnection_nextGet_succeeds() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 10, 10, "60s");
                RawClient c = RawClient.connect(gw.port())) {
            assertThat(c.get("/x").status()).isEqualTo(200);
            up.closeConnections();
            await().atMost(Duration.ofSeconds(5)).until(() -> up.openConnections() == 0);
            assertThat(c.get("/x").status()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void stalePooledConnection_closedWhenGetArrives_retriedTransparently() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 10, 10, "60s");
                RawClient c = RawClient.connect(gw.port())) {
            // Request 2 arrives on the pooled connection and the upstream closes it unanswered, as a server does
            // when its keep-alive timer fires at the same moment: the request was not processed.
            final AtomicInteger n = new AtomicInteger();
            up.respondWith(r -> n.incrementAndGet() == 2 ? Behavior.of(Action.CLOSE) : Behavior.respond(200, "ok"));
            assertThat(c.get("/x").status()).isEqualTo(200);
            final RawClient.Response second = c.get("/x");
            assertThat(second.status()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(2);
        }
    }

    @Test
    void stalePooledConnection_closedWhenPostArrives_notRetried() throws Exception {
        try (TestUpstream up = TestUpstream.start("a");
                GatewayHarness gw = start(up, 1, 10, 10, "60s");
                RawClient c = RawClient.connect(gw.port())) {
            final AtomicInteger n = new AtomicInteger();
            up.respondWith(r -> n.incrementAndGet() == 2 ? Behavior.of(Action.CLOSE) : Behavior.respond(200, "ok"));
            assertThat(c.get("/x").status()).isEqualTo(200);
            c.send("POST /x HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(c.read(false).status()).isEqualTo(502);
            assertThat(up.requests()).isEqualTo(2);
        }
    }

    private static GatewayHarness start(TestUpstream up, int workers, int max, int pending, String idle)
            throws Exception {
        return GatewayHarness.start(CONFIG.formatted(workers, max, pending, idle), Map.of("UP", up.url()));
    }

    private static List<RawClient> connect(GatewayHarness gw, int n) throws Exception {
        final List<RawClient> conns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            conns.add(RawClient.connect(gw.port()));
        }
        return conns;
    }

    /** Each client sends {@code perClient} sequential requests, all clients at once. */
    private static void runRound(List<RawClient> conns, int perClient) throws Exception {
        final ExecutorService pool = Executors.newFixedThreadPool(conns.size());
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (RawClient c : conns) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        assertThat(c.get("/x").status()).isEqualTo(200);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void closeAll(List<RawClient> conns) throws Exception {
        for (RawClient c : conns) {
            c.close();
        }
    }
}
