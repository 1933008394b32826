package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.observability.GatewayMetrics;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import dev.sluice.upstream.Endpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three instances of an upstream behind one route under a steady load of keep-alive GETs; one instance is killed
 * while it holds requests and keep-alive connections, and later restarted on the same port.
 *
 * <p>What makes the kill a real test rather than luck: instance b is told to hold its next requests unanswered, and
 * the kill waits until b holds {@value #HELD} of them and has served more requests since on other connections. So
 * when b dies, requests are certainly in flight on it (they get a reset) and the gateway certainly has other
 * keep-alive connections to it (idle in a pool, or carrying a request), besides the connects that are refused from
 * then on. Each request has its own URI, so the test knows which ones b was holding and what became of them.
 */
class UpstreamFailoverIntegrationTest {
    private static final int CLIENTS = 6;
    private static final int HELD = 3;
    /** Hard bounds of one load run, whatever happens. */
    private static final int MAX_REQUESTS = 20_000;
    private static final Duration MAX_LOAD_TIME = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * Passive health ejects a dead instance after 3 failures in a row, for {@code ${EJECT}} at first. The retry budget
     * allows as many retries in flight as there are clients, so it can never refuse one here (RetryIntegrationTest
     * covers the budget); {@code %s}: the route's retry policy.
     */
    private static final String CONFIG = """
            upstreams:
              u:
                targets: [ { url: "${A}" }, { url: "${B}" }, { url: "${C}" } ]
                retry_budget: { min_concurrency: %d }
                health_check:
                  passive:
                    consecutive_failures: 3
                    base_ejection_time: ${EJECT}
                    max_ejection_time: ${EJECT_MAX}
                    max_ejection_percent: 34%%
            routes:
              - id: r
                match: { path_prefix: / }
                upstream: u
                timeouts: { per_try: 5s }
                %s
            """;
    private static final String RETRY = """
            retry: { attempts: 2, on: [connect_failure, reset], backoff: { base: 1ms, max: 5ms } }""";

    private TestUpstream a;
    private TestUpstream b;
    private TestUpstream c;
    /** b was killed and not restarted. */
    private boolean bKilled;

    @BeforeEach
    void startUpstreams() throws Exception {
        a = TestUpstream.start("a");
        b = startBelowEphemeralPorts("b");
        c = TestUpstream.start("c");
    }

    @AfterEach
    void stopUpstreams() {
        a.close();
        if (!bKilled) {
            b.close();
        }
        c.close();
    }

    @Test
    void instanceKilledMidLoad_withRetries_noRequestFailsAndRestartedInstanceServesAgain() throws Exception {
        final int bPort = b.port();
        try (GatewayHarness gw = gateway(RETRY); Load load = Load.start(gw.port())) {
            load.awaitCompleted(1000);
            final List<String> held = holdThenKill(load);
            load.awaitCompleted(load.completed() + 1000);
            // The requests b was holding when it died were answered, by the others.
            assertThat(held).allSatisfy(uri -> assertThat(load.answeredBy(uri)).isIn("a", "c"));
            assertThat(gw.gateway().metrics().count(GatewayMetrics.HEALTH_CHANGES, "upstream", "u",
                    "endpoint", "127.0.0.1:" + bPort, "to", "unhealthy")).isGreaterThanOrEqualTo(1);

            final int servedByBBefore = load.servedBy("b");
            b = TestUpstream.startOn("b", bPort);
            bKilled = false;
            await().atMost(WAIT).until(() -> load.servedBy("b") >= servedByBBefore + 100);
            final int total = load.stop();

            assertThat(load.failures()).isEmpty();
            assertThat(total).isGreaterThanOrEqualTo(2000 + 100);
            assertThat(b.requests()).isGreaterThanOrEqualTo(100); // the restarted instance, on the same port
            assertThat(retries(gw, GatewayMetrics.RETRIES)).isGreaterThanOrEqualTo(HELD);
            assertThat(retries(gw, GatewayMetrics.RETRIES_BUDGET_EXHAUSTED)).isZero();
        }
    }

    /** The control: the same kill without a retry policy fails the requests that were in flight on b. */
    @Test
    void instanceKilledMidLoad_withoutRetries_requestsInFlightOnItFail() throws Exception {
        try (GatewayHarness gw = gateway(""); Load load = Load.start(gw.port())) {
            load.awaitCompleted(1000);
            final List<String> held = holdThenKill(load);
            await().atMost(WAIT).until(() -> held.stream().allMatch(uri -> load.failure(uri) != null));
            load.stop();
            // Reset on its connection; or, when that connection had come from the pool, reset and then refused: a
            // reused connection that closes before a response is taken for one the upstream closed while idle, and an
            // idempotent request on it is sent once more on a new connection, to the same (dead) endpoint.
            assertThat(held).allSatisfy(uri -> assertThat(load.failure(uri)).startsWith("502 ")
                    .containsAnyOf("\"code\":\"upstream_reset\"", "\"code\":\"upstream_connect_failed\""));
        }
    }

    @Test
    void deadInstance_passiveHealth_takenOutOfRotationAfterThreeFailures() throws Exception {
        b.close();
        bKilled = true;
        try (GatewayHarness gw = gateway(RETRY, "1m", "1m")) {
            // Every third request picks b, is refused and retried on another: all succeed.
            for (int i = 0; i < 30 && retries(gw, GatewayMetrics.RETRIES) < 3; i++) {
                assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            }
            // The third failure in a row ejects b: the balancer is rebuilt without it.
            await().atMost(WAIT).until(() -> gw.eligibleEndpoints("u").size() == 2);
            assertThat(gw.eligibleEndpoints("u")).extracting(Endpoint::port)
                    .containsExactlyInAnyOrder(a.port(), c.port());
            for (int i = 0; i < 30; i++) {
                assertThat(gw.get("/x").body()).isIn("a", "c");
            }
            assertThat(retries(gw, GatewayMetrics.RETRIES)).isEqualTo(3);
        }
    }

    /** A retry counter of route r on upstream u. */
    private static double retries(GatewayHarness gw, String metric) {
        return gw.gateway().metrics().count(metric, "route", "r", "upstream", "u");
    }

    /** Ejections short enough for a restarted instance to be back soon. */
    private GatewayHarness gateway(String retry) throws Exception {
        return gateway(retry, "200ms", "600ms");
    }

    private GatewayHarness gateway(String retry, String ejection, String maxEjection) throws Exception {
        return GatewayHarness.start(CONFIG.formatted(CLIENTS, retry), Map.of("A", a.url(), "B", b.url(),
                "C", c.url(), "EJECT", ejection, "EJECT_MAX", maxEjection));
    }

    /**
     * Has b hold its next {@value #HELD} requests, waits until it holds them and has served 20 more on other
     * connections, then kills it. Returns the URIs of the held requests.
     */
    private List<String> holdThenKill(Load load) {
        final List<String> held = new CopyOnWriteArrayList<>();
        final int before = b.requests();
        b.respondWith(r -> {
            if (held.size() < HELD) {
                held.add(r.uri());
                return Behavior.of(Action.HANG);
            }
            return Behavior.respond(200, "b");
        });
        await().atMost(WAIT).until(() -> held.size() == HELD && b.requests() >= before + HELD + 20);
        // A held request occupies its connection, so b has keep-alive connections besides the held ones.
        assertThat(b.openConnections()).isGreaterThan(HELD);
        assertThat(held).allSatisfy(uri -> assertThat(load.answeredBy(uri)).isNull());
        b.close();
        bKilled = true;
        return held;
    }

    /**
     * Starts an upstream on a port below the kernel's range for the local ports of outgoing connections. After the
     * kill the gateway keeps connecting to that port; were it in the range, one of those connects could be given the
     * port itself as its local port (a TCP self-connect) and hold it, and the restart could not bind it.
     */
    private static TestUpstream startBelowEphemeralPorts(String name) throws Exception {
        final Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        // Not Files.readString: it trusts the size procfs reports and returns the first character only.
        final int lowest = Files.isReadable(range)
                ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]) : 32768;
        for (int port = lowest - 1000; port < lowest; port++) {
            try {
                return TestUpstream.startOn(name, port);
            } catch (Exception inUse) {
                // taken by something else on this machine: try the next one
            }
        }
        throw new IllegalStateException("no free port in " + (lowest - 1000) + ".." + (lowest - 1));
    }

    /**
     * {@value #CLIENTS} threads, each sending GETs one after another over its own keep-alive connection (a new one
     * only if the gateway closes it), each with a unique URI; records who answered each and every failure.
     */
    private static final class Load implements AutoCloseable {
        private final int port;
        private final long deadlineNanos = System.nanoTime() + MAX_LOAD_TIME.toNanos();
        private final AtomicInteger issued = new AtomicInteger();
        private final AtomicInteger completed = new AtomicInteger();
        private final Map<String, String> answeredBy = new ConcurrentHashMap<>();
        private final Map<String, String> failures = new ConcurrentHashMap<>();
        private final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
        private final Queue<Throwable> crashes = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean stopped;

        private Load(int port) {
            this.port = port;
        }

        static Load start(int port) {
            final Load load = new Load(port);
            for (int i = 0; i < CLIENTS; i++) {
                final Thread t = new Thread(load::run, "load-" + i);
                load.threads.add(t);
                t.start();
            }
            return load;
        }

        private void run() {
            RawClient client = null;
            try {
                while (!stopped && System.nanoTime() - deadlineNanos < 0) {
                    final int n = issued.incrementAndGet();
                    if (n > MAX_REQUESTS) {
                        return;
                    }
                    final String uri = "/x?n=" + n;
                    boolean reconnect = false;
                    try {
                        if (client == null) {
                            client = RawClient.connect(port);
                        }
                        final RawClient.Response r = client.get(uri);
                        if (r.status() == 200 && r.complete()) {
                            answeredBy.put(uri, r.body());
                            servedBy.computeIfAbsent(r.body(), k -> new AtomicInteger()).incrementAndGet();
                        } else {
                            failures.put(uri, r.status() + " " + r.body());
                        }
                        reconnect = !r.complete() || "close".equalsIgnoreCase(r.header("connection"));
                    } catch (IOException e) {
                        failures.put(uri, e.toString());
                        reconnect = true;
                    }
                    completed.incrementAndGet();
                    if (reconnect) {
                        client.close();
                        client = null;
                    }
                }
            } catch (Throwable t) {
                crashes.add(t);
            } finally {
                if (client != null) {
                    try {
                        client.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }

        int completed() {
            return completed.get();
        }

        void awaitCompleted(int n) {
            await().atMost(MAX_LOAD_TIME).until(() -> completed.get() >= n || !isRunning());
            assertThat(completed.get()).as("requests completed (failures: %s)", failures).isGreaterThanOrEqualTo(n);
        }

        String answeredBy(String uri) {
            return answeredBy.get(uri);
        }

        String failure(String uri) {
            return failures.get(uri);
        }

        Map<String, String> failures() {
            return failures;
        }

        int servedBy(String upstream) {
            final AtomicInteger n = servedBy.get(upstream);
            return n == null ? 0 : n.get();
        }

        /** Stops the clients after their current request; returns the number of requests completed. */
        int stop() throws InterruptedException {
            stopped = true;
            for (final Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(15));
                assertThat(t.isAlive()).as("%s still running", t.getName()).isFalse();
            }
            assertThat(crashes).isEmpty();
            return completed.get();
        }

        private boolean isRunning() {
            return threads.stream().anyMatch(Thread::isAlive);
        }

        @Override
        public void close() throws InterruptedException {
            if (!stopped) {
                stop();
            }
        }
    }
}
