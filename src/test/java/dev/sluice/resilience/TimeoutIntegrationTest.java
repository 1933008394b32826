package dev.sluice.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.BlackholePort;
import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawClient;
import dev.sluice.testing.TestUpstream;
import dev.sluice.testing.TestUpstream.Action;
import dev.sluice.testing.TestUpstream.Behavior;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Upstream timeouts through the gateway: the route's and the upstream's combine (the tighter wins) for connect,
 * per-try and total; a timed-out request's upstream connection is closed, not pooled; and the per-try and total
 * timeouts start only once the request body has been sent.
 */
class TimeoutIntegrationTest {
    private static final long TIGHT_MILLIS = 300;
    /** Far above the tight timeout: a request that took this long was not cut by the tight one. */
    private static final long LOOSE_MILLIS = 10_000;
    private static final long TIGHT_WON_WITHIN_MILLIS = 4_000;
    /** A slow upload: this many pieces, with a pause before each but the first. */
    private static final int PIECES = 4;
    private static final long PAUSE_MILLIS = 250;
    private static final String PIECE = "x".repeat(1000);

    private TestUpstream up;

    @BeforeEach
    void startUpstream() throws Exception {
        up = TestUpstream.start("up");
    }

    @AfterEach
    void stopUpstream() {
        up.close();
    }

    private static GatewayHarness gateway(String upstreamUrl, String upstreamTimeouts, String routeTimeouts)
            throws Exception {
        return GatewayHarness.start("""
                upstreams:
                  u:
                    targets: [ { url: "${UP}" } ]
                    timeouts: %s
                routes:
                  - id: r
                    match: { path_prefix: / }
                    upstream: u
                    timeouts: %s
                """.formatted(upstreamTimeouts, routeTimeouts), Map.of("UP", upstreamUrl));
    }

    /** Each timeout set tight on one side and loose on the other: the request ends after the tight one. */
    static Stream<Arguments> tighterWins() {
        final String tight = TIGHT_MILLIS + "ms";
        final String loose = LOOSE_MILLIS + "ms";
        return Stream.of(
                Arguments.of("connect", tight, loose, "upstream_connect_timeout"),
                Arguments.of("connect", loose, tight, "upstream_connect_timeout"),
                Arguments.of("per_try", tight, loose, "upstream_timeout"),
                Arguments.of("per_try", loose, tight, "upstream_timeout"),
                Arguments.of("total", tight, loose, "upstream_timeout"),
                Arguments.of("total", loose, tight, "upstream_timeout"));
    }

    @ParameterizedTest(name = "{0}: route {1}, upstream {2}")
    @MethodSource
    void tighterWins(String timeout, String onRoute, String onUpstream, String code) throws Exception {
        up.respondWith(r -> Behavior.of(Action.HANG));
        final boolean connect = timeout.equals("connect");
        try (BlackholePort blackhole = connect ? BlackholePort.open() : null;
             GatewayHarness gw = gateway(connect ? blackhole.url() : up.url(),
                     "{ " + timeout + ": " + onUpstream + " }", "{ " + timeout + ": " + onRoute + " }")) {
            final long start = System.nanoTime();
            final HttpResponse<String> r = gw.get("/x");
            final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("\"code\":\"" + code + "\"");
            assertThat(tookMillis).isBetween(TIGHT_MILLIS, TIGHT_WON_WITHIN_MILLIS);
            // Which timer ended it: the per-try one names the endpoint, the total one the upstream.
            if (timeout.equals("per_try")) {
                assertThat(r.body()).contains("no response from 127.0.0.1:" + up.port() + " within " + TIGHT_MILLIS);
            } else if (timeout.equals("total")) {
                assertThat(r.body()).contains("no response from upstream u within " + TIGHT_MILLIS);
            }
            // The attempt's connection (or connect) is given up, and the pool's count with it.
            await().atMost(Duration.ofSeconds(5)).until(() -> gw.gateway().pools().openConnections() == 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"per_try", "total"})
    void timedOutRequest_upstreamConnectionClosedNotPooled(String timeout) throws Exception {
        final AtomicBoolean first = new AtomicBoolean(true);
        up.respondWith(r -> first.getAndSet(false) ? Behavior.of(Action.HANG) : Behavior.respond(200, "up"));
        try (GatewayHarness gw = gateway(up.url(), tight(timeout), "{}")) {
            final HttpResponse<String> timedOut = gw.get("/x");
            assertThat(timedOut.statusCode()).isEqualTo(504);
            assertThat(timedOut.body()).contains("\"code\":\"upstream_timeout\"");
            await().atMost(Duration.ofSeconds(5)).until(() -> up.openConnections() == 0);
            assertThat(gw.gateway().pools().openConnections()).isZero();

            // The next requests open a new connection and, being answered whole, keep reusing it.
            assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            assertThat(gw.get("/x").statusCode()).isEqualTo(200);
            assertThat(up.connections()).isEqualTo(2);
            assertThat(up.openConnections()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"per_try", "total"})
    void slowUpload_longerThanTimeout_doesNotTripIt(String timeout) throws Exception {
        up.respondWith(r -> Behavior.of(Action.DIGEST));
        try (GatewayHarness gw = gateway(up.url(), tight(timeout), "{}");
             RawClient c = RawClient.connect(gw.port())) {
            final long start = System.nanoTime();
            final RawClient.Response r = slowUpload(c);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .isGreaterThanOrEqualTo((PIECES - 1) * PAUSE_MILLIS);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"bytes\":" + PIECES * PIECE.length());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"per_try", "total"})
    void slowUpload_thenSlowResponse_timeoutCountsFromTheEndOfTheBody(String timeout) throws Exception {
        up.respondWith(r -> Behavior.of(Action.DIGEST).delayed(2_000));
        try (GatewayHarness gw = gateway(up.url(), tight(timeout), "{}");
             RawClient c = RawClient.connect(gw.port())) {
            final long start = System.nanoTime();
            final RawClient.Response r = slowUpload(c);
            final long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(r.status()).isEqualTo(504);
            assertThat(r.body()).contains("\"code\":\"upstream_timeout\"");
            // The upload took (PIECES - 1) pauses; the timeout ran from its end, not from the request head.
            final long uploadMillis = (PIECES - 1) * PAUSE_MILLIS;
            assertThat(tookMillis).isBetween(uploadMillis + TIGHT_MILLIS, uploadMillis + 1_900);
        }
    }

    /** {@code { TIMEOUT: 300ms }}. */
    private static String tight(String timeout) {
        return "{ " + timeout + ": " + TIGHT_MILLIS + "ms }";
    }

    /**
     * POSTs a body in {@code PIECES} pieces with a pause before each but the first, so the upload lasts longer
     * than the 300 ms timeouts under test; then reads the response.
     */
    private static RawClient.Response slowUpload(RawClient c) throws Exception {
        c.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: " + PIECES * PIECE.length() + "\r\n\r\n");
        for (int i = 0; i < PIECES; i++) {
            if (i > 0) {
                Thread.sleep(PAUSE_MILLIS); // the slowness under test, not a wait for something to happen
            }
            c.send(PIECE);
        }
        return c.read(false);
    }
}
