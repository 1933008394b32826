package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.common.Ticker;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.LogCapture;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Behavior;
import dev.sluice.testing.TestUpstream.Received;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.EndpointSet;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Active and passive health checks through the gateway against real upstreams: which endpoints requests reach
 * while one fails its probes or its live traffic and after it recovers, what is answered when none is healthy,
 * and how health changes are reported.
 */
class HealthCheckIntegrationTest {
    private static final Duration AWAIT = Duration.ofSeconds(10);
    /** Probes every 50 ms; two failures take an endpoint out, two passes bring it back. */
    private static final String ACTIVE = "active: { path: /health, interval: 50ms, timeout: 1s, "
            + "unhealthy_threshold: 2, healthy_threshold: 2 }";

    private TestUpstream a;
    private TestUpstream b;
    /** The status each upstream answers on /health with; everything else gets 200 and its name. */
    private final AtomicInteger aProbe = new AtomicInteger(200);
    private final AtomicInteger bProbe = new AtomicInteger(200);

    @BeforeEach
    void startUpstreams() throws Exception {
        a = TestUpstream.start("a");
        b = TestUpstream.start("b");
        a.respondWith(r -> r.uri().equals("/health") ? Behavior.respond(aProbe.get(), "") : Behavior.respond(200, "a"));
        b.respondWith(r -> r.uri().equals("/health") ? Behavior.respond(bProbe.get(), "") : Behavior.respond(200, "b"));
    }

    @AfterEach
    void stopUpstreams() {
        a.close();
        b.close();
    }

    /** A gateway with one round-robin upstream {@code u} over a and b, with {@code healthCheck} (YAML lines). */
    private GatewayHarness gateway(String healthCheck) throws Exception {
        return GatewayHarness.start(config(healthCheck), Map.of("A", a.url(), "B", b.url()));
    }

    private static String config(String healthCheck) {
        return """
                upstreams:
                  u:
                    targets: [ { url: "${A}" }, { url: "${B}" } ]
                %s
                routes:
                  - { id: r, match: { path_prefix: / }, upstream: u }
                """.formatted(healthCheck.isEmpty() ? "" : ("health_check:\n" + healthCheck.indent(2)).indent(4));
    }

    @Test
    void active_probes_useConfiguredPathHostAndMethod() throws Exception {
        try (GatewayHarness gw = gateway("active: { path: \"/ready?deep=1\", host: health.test, interval: 50ms }")) {
            await().atMost(AWAIT).until(() -> probes(a).size() >= 2 && probes(b).size() >= 2);
            assertThat(probes(a)).allSatisfy(p -> {
                assertThat(p.method()).isEqualTo("GET");
                assertThat(p.uri()).isEqualTo("/ready?deep=1");
                assertThat(p.header("host")).isEqualTo("health.test");
            });
            assertThat(gw.get("/x").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void active_probeStartsFailing_endpointGetsNoRequestsUntilItsProbesPassAgain() throws Exception {
        try (GatewayHarness gw = gateway(ACTIVE)) {
            final Endpoint ea = endpoint(gw, a);
            assertThat(servedBy(gw, 10)).contains("a", "b");

            aProbe.set(503);
            await().atMost(AWAIT).until(() -> !eligible(gw).contains(ea));
            final int before = traffic(a);
            assertThat(servedBy(gw, 20)).containsOnly("b");
            assertThat(traffic(a)).isEqualTo(before);
            assertThat(ea.health().isActiveHealthy()).isFalse();

            aProbe.set(200);
            await().atMost(AWAIT).until(() -> eligible(gw).contains(ea));
            assertThat(servedBy(gw, 10)).contains("a", "b");
        }
    }

    @Test
    void active_statusOutsideExpectedStatuses_failsTheProbe() throws Exception {
        // 204 passes and 200, which the default 200-399 would accept, fails: the configured list is what counts.
        aProbe.set(204);
        bProbe.set(204);
        try (GatewayHarness gw = gateway("active: { path: /health, interval: 50ms, expected_statuses: [204], "
                + "unhealthy_threshold: 2, healthy_threshold: 2 }")) {
            final Endpoint ea = endpoint(gw, a);
            await().atMost(AWAIT).until(() -> probes(a).size() >= 4);
            assertThat(eligible(gw)).contains(ea);

            aProbe.set(200);
            await().atMost(AWAIT).until(() -> !eligible(gw).contains(ea));
            assertThat(servedBy(gw, 10)).containsOnly("b");
        }
    }

    @Test
    void passive_consecutiveFailures_ejectEndpointForBaseTimesTheNumberOfOffences() throws Exception {
        a.respondWith(r -> Behavior.respond(500, "a broken"));
        final long base = Duration.ofMillis(200).toNanos();
        // A long interval: the multiplier does not decay between the offences.
        try (GatewayHarness gw = gateway("passive: { consecutive_failures: 3, base_ejection_time: 200ms, "
                + "max_ejection_time: 10s, interval: 1m, max_ejection_percent: 50% }")) {
            final Endpoint ea = endpoint(gw, a);
            final Ticker ticker = Ticker.system();
            for (int offence = 1; offence <= 3; offence++) {
                await().atMost(AWAIT).until(() -> eligible(gw).contains(ea)); // in at first, then back after each
                // One request at a time until a's third failure in a row ejects it; that request's round trip
                // brackets the moment of the ejection.
                long sentAt = 0;
                long answeredAt = 0;
                for (int sent = 0; ea.health().ejectionCount() < offence; sent++) {
                    assertThat(sent).as("requests sent without ejection %d", offence).isLessThan(20);
                    sentAt = ticker.nanoTime();
                    gw.get("/x");
                    answeredAt = ticker.nanoTime();
                }
                assertThat(traffic(a)).isEqualTo(3 * offence);
                final long until = ea.health().ejectedUntilNanos();
                assertThat(until - answeredAt).as("ejection %d ends at most %d ms after it began", offence,
                        offence * 200).isLessThanOrEqualTo(offence * base);
                assertThat(until - sentAt).as("ejection %d ends at least %d ms after it began", offence,
                        offence * 200).isGreaterThanOrEqualTo(offence * base);
                assertThat(healthChanges(gw, a, "unhealthy")).isEqualTo(offence);
            }
            await().atMost(AWAIT).until(() -> eligible(gw).contains(ea));
            assertThat(healthChanges(gw, a, "healthy")).isEqualTo(3);
        }
    }

    @Test
    void passive_ejectedEndpoint_getsNoRequestsWhileEjected() throws Exception {
        a.respondWith(r -> Behavior.respond(502, "a broken"));
        try (GatewayHarness gw = gateway("passive: { consecutive_failures: 2, base_ejection_time: 30s }")) {
            final Endpoint ea = endpoint(gw, a);
            for (int sent = 0; ea.health().ejectionCount() == 0; sent++) {
                assertThat(sent).as("requests sent without an ejection").isLessThan(20);
                gw.get("/x");
            }
            await().atMost(AWAIT).until(() -> !eligible(gw).contains(ea));
            final int before = traffic(a);
            assertThat(servedBy(gw, 20)).containsOnly("b");
            assertThat(traffic(a)).isEqualTo(before);
        }
    }

    @Test
    void allEndpointsFailProbes_503NoHealthyEndpoint() throws Exception {
        aProbe.set(503);
        bProbe.set(503);
        try (GatewayHarness gw = gateway(ACTIVE)) {
            await().atMost(AWAIT).until(() -> eligible(gw).isEmpty());
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("\"code\":\"no_healthy_endpoint\"");
            assertThat(traffic(a) + traffic(b)).isZero();
        }
    }

    @Test
    void allEndpointsFailProbes_panicThreshold_everyEndpointIsUsed() throws Exception {
        aProbe.set(503);
        bProbe.set(503);
        try (GatewayHarness gw = gateway(ACTIVE + "\npanic_threshold: 50%")) {
            final Endpoint ea = endpoint(gw, a);
            final Endpoint eb = endpoint(gw, b);
            await().atMost(AWAIT).until(() -> !ea.health().isActiveHealthy() && !eb.health().isActiveHealthy()
                    && endpoints(gw).panic());
            assertThat(servedBy(gw, 10)).contains("a", "b");
        }
    }

    @Test
    void healthChange_isLoggedAndCounted() throws Exception {
        try (LogCapture log = LogCapture.open("sluice.resilience");
             GatewayHarness gw = gateway(ACTIVE)) {
            final String key = endpoint(gw, a).key();
            aProbe.set(503);
            await().atMost(AWAIT).until(() -> healthChanges(gw, a, "unhealthy") == 1);
            assertThat(log.lines()).contains("WARN upstream u: endpoint " + key
                    + " is unhealthy (2 failed probes: status 503)");

            aProbe.set(200);
            await().atMost(AWAIT).until(() -> healthChanges(gw, a, "healthy") == 1);
            assertThat(log.lines())
                    .contains("INFO upstream u: endpoint " + key + " is healthy again (2 passed probes)");
            assertThat(healthChanges(gw, a, "unhealthy")).isEqualTo(1);
            assertThat(healthChanges(gw, b, "unhealthy")).isZero();
        }
    }

    @Test
    void reload_healthCheckRemoved_readmitsEndpointThatActiveChecksFailed() throws Exception {
        aProbe.set(503);
        try (GatewayHarness gw = gateway(ACTIVE)) {
            final Endpoint ea = endpoint(gw, a);
            await().atMost(AWAIT).until(() -> !eligible(gw).contains(ea));

            assertThat(gw.reload(config(""))).isEmpty();
            assertThat(ea.health().isActiveHealthy()).isTrue();
            assertThat(eligible(gw)).contains(ea);
            assertThat(servedBy(gw, 10)).contains("a", "b");
            // The probes stopped with the check: at most one that was in flight at the reload arrives.
            final int probed = probes(a).size();
            await().during(Duration.ofMillis(300)).atMost(AWAIT).until(() -> probes(a).size() <= probed + 1);
        }
    }

    /** Probes say who they are; requests the tests send do not. */
    private static boolean isProbe(Received r) {
        return "sluice-health-check".equals(r.header("user-agent"));
    }

    private static List<Received> probes(TestUpstream upstream) {
        return upstream.received().stream().filter(HealthCheckIntegrationTest::isProbe).toList();
    }

    /** Requests (not probes) the upstream received. */
    private static int traffic(TestUpstream upstream) {
        return (int) upstream.received().stream().filter(r -> !isProbe(r)).count();
    }

    /** Sends {@code n} requests one after another; returns who answered each (its body). */
    private static List<String> servedBy(GatewayHarness gw, int n) throws Exception {
        final List<String> bodies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final HttpResponse<String> r = gw.get("/x");
            assertThat(r.statusCode()).as("response %d: %s", i, r.body()).isEqualTo(200);
            bodies.add(r.body());
        }
        return bodies;
    }

    private static EndpointSet endpoints(GatewayHarness gw) {
        return gw.gateway().snapshot().upstreams().get("u").live().endpoints();
    }

    private static List<Endpoint> eligible(GatewayHarness gw) {
        return endpoints(gw).eligible();
    }

    private static Endpoint endpoint(GatewayHarness gw, TestUpstream upstream) {
        return endpoints(gw).all().stream().filter(e -> e.port() == upstream.port()).findFirst().orElseThrow();
    }

    private static double healthChanges(GatewayHarness gw, TestUpstream upstream, String to) {
        return gw.gateway().metrics().count(GatewayMetrics.HEALTH_CHANGES, "upstream", "u", "endpoint",
                endpoint(gw, upstream).key(), "to", to);
    }
}
