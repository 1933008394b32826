package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Slow-client attacks (slowloris: a head that never ends; R-U-Dead-Yet: a body that trickles) against a gateway
 * with 2 s header and body timeouts.
 *
 * <p>The primary assertions use raw-socket slow clients in Java: the gateway must answer 408 and close within the
 * deadline plus a tolerance, while normal requests keep succeeding. {@code slowhttptest} (Debian package) then runs
 * a bounded attack of 50 loopback connections as an additional check that the gateway closes the slow connections
 * and keeps serving; it is skipped when the tool is not installed.
 */
class SlowlorisIntegrationTest {
    /** Matches request_header_timeout and body_timeout below. */
    private static final long TIMEOUT_MILLIS = 2000;
    /** Scheduling slack on a 2-core machine shared with other builds; the timer itself re-arms lazily. */
    private static final long TOLERANCE_MILLIS = 1500;
    private static final String CONFIG = """
            server:
              listen: 127.0.0.1:0
              request_header_timeout: 2s
              body_timeout: 2s
              idle_timeout: 5s
            upstreams:
              u: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u }
            """;

    private TestUpstream up;
    private GatewayHarness gw;
    private ScheduledExecutorService dripper;

    @BeforeEach
    void start() throws Exception {
        up = TestUpstream.start("up");
        gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()));
        dripper = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void stop() {
        dripper.shutdownNow();
        gw.close();
        up.close();
    }

    @Test
    void partialHead_clientGoesSilent_answered408AndClosedWithinHeaderTimeout() throws Exception {
        try (Socket s = connect()) {
            final long start = System.nanoTime();
            write(s, "GET / HTTP/1.1\r\nHost: x\r\nX-A: ");
            final Read r = readUntilClosed(s, TIMEOUT_MILLIS + TOLERANCE_MILLIS + 2000);
            final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.closed()).as("closed by the gateway").isTrue();
            assertThat(r.text()).startsWith("HTTP/1.1 408 ").contains("\"code\":\"request_timeout\"");
            assertThat(took).isBetween(TIMEOUT_MILLIS - 100, TIMEOUT_MILLIS + TOLERANCE_MILLIS);
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void headDrippedByteByByte_neverCompletes_closedWithinHeaderTimeoutOfFirstByte() throws Exception {
        try (Socket s = connect()) {
            final long start = System.nanoTime();
            // One header byte every 300 ms: each read resets an idle timer, but not the head deadline.
            final byte[] head = "GET / HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .getBytes(StandardCharsets.ISO_8859_1);
            final AtomicInteger next = new AtomicInteger();
            dripper.scheduleAtFixedRate(() -> dripByte(s, head, next), 0, 300, TimeUnit.MILLISECONDS);
            final Read r = readUntilClosed(s, TIMEOUT_MILLIS + TOLERANCE_MILLIS + 2000);
            final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.closed()).isTrue();
            assertThat(r.text()).startsWith("HTTP/1.1 408 ");
            assertThat(took).isLessThanOrEqualTo(TIMEOUT_MILLIS + TOLERANCE_MILLIS);
            assertThat(up.requests()).isZero();
        }
    }

    @Test
    void bodyByteEveryThreeSeconds_exceedsBodyTimeout_answered408AndClosed() throws Exception {
        try (Socket s = connect()) {
            write(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nx");
            final long start = System.nanoTime();
            final byte[] body = "y".repeat(99).getBytes(StandardCharsets.ISO_8859_1);
            final AtomicInteger next = new AtomicInteger();
            dripper.scheduleAtFixedRate(() -> dripByte(s, body, next), 3, 3, TimeUnit.SECONDS);
            final Read r = readUntilClosed(s, TIMEOUT_MILLIS + TOLERANCE_MILLIS + 3000);
            final long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertThat(r.closed()).isTrue();
            assertThat(r.text()).startsWith("HTTP/1.1 408 ").contains("\"code\":\"request_timeout\"");
            assertThat(took).isBetween(TIMEOUT_MILLIS - 100, TIMEOUT_MILLIS + TOLERANCE_MILLIS);
            assertThat(next.get()).as("body bytes dripped after the first").isZero();
        }
    }

    @Test
    void manySlowHeads_normalRequestsMeanwhile_allSucceed() throws Exception {
        final Socket[] slow = new Socket[40];
        try {
            for (int i = 0; i < slow.length; i++) {
                slow[i] = connect();
                write(slow[i], "GET / HTTP/1.1\r\nHost: x\r\n");
            }
            for (int i = 0; i < 20; i++) {
                final HttpResponse<String> r = gw.get("/normal");
                assertThat(r.statusCode()).isEqualTo(200);
            }
            for (final Socket s : slow) {
                assertThat(readUntilClosed(s, TIMEOUT_MILLIS + TOLERANCE_MILLIS + 2000).closed()).isTrue();
            }
        } finally {
            for (final Socket s : slow) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "slowhttptest {0}")
    @ValueSource(strings = {"-H", "-B"})
    void slowhttptest_boundedAttack_gatewayClosesSlowConnectionsAndKeepsServing(final String mode,
            @TempDir final Path dir) throws Exception {
        final Path tool = Path.of("/usr/bin/slowhttptest");
        assumeTrue(Files.isExecutable(tool), "slowhttptest not installed (apt-get install slowhttptest)");
        final Path prefix = dir.resolve("report");
        // 50 connections for 8 s; follow-up data every 4 s, longer than the 2 s timeouts, so every connection
        // must be closed by the gateway before its second piece of header or body.
        final Process attack = new ProcessBuilder(tool.toString(), mode, "-c", "50", "-r", "50", "-l", "8",
                "-i", "4", "-s", "8192", "-p", "3", "-g", "-o", prefix.toString(),
                "-u", "http://127.0.0.1:" + gw.port() + "/")
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        try {
            int ok = 0;
            while (attack.isAlive() && ok < 200) {
                final HttpResponse<String> r = gw.send(gw.request("/during-attack")
                        .timeout(Duration.ofSeconds(5)).build());
                assertThat(r.statusCode()).isEqualTo(200);
                ok++;
                attack.waitFor(50, TimeUnit.MILLISECONDS);
            }
            assertThat(attack.waitFor(30, TimeUnit.SECONDS)).as("slowhttptest finished").isTrue();
        } finally {
            if (attack.isAlive()) {
                attack.destroyForcibly(); // only the process this test started
            }
        }
        final String output = Files.readString(dir.resolve("stdout.txt"));
        final List<String> csv = Files.readAllLines(Path.of(prefix + ".csv"));
        assertThat(csv).as("slowhttptest CSV; output:\n%s", output).hasSizeGreaterThan(2);
        // Columns: Seconds,Closed,Pending,Connected,Service Available; the last is the connection count (for the
        // chart) while the probe succeeds and 0 once it fails.
        int maxClosed = 0;
        for (final String line : csv.subList(1, csv.size())) {
            final String[] cols = line.split(",");
            maxClosed = Math.max(maxClosed, Integer.parseInt(cols[1].trim()));
            assertThat(Integer.parseInt(cols[4].trim())).as("service available at %ss; output:\n%s", cols[0], output)
                    .isPositive();
        }
        assertThat(maxClosed).as("connections the gateway closed; output:\n%s", output).isGreaterThan(0);
        // The gateway closed every slow connection before the attack's 8 s were up.
        assertThat(output).as("slowhttptest exit status").contains("No open connections left");
    }

    private Socket connect() throws IOException {
        final Socket s = new Socket("127.0.0.1", gw.port());
        s.setTcpNoDelay(true);
        return s;
    }

    private static void write(final Socket s, final String text) throws IOException {
        final OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static void dripByte(final Socket s, final byte[] bytes, final AtomicInteger next) {
        final int i = next.get();
        if (i >= bytes.length) {
            return;
        }
        try {
            s.getOutputStream().write(bytes[i]);
            s.getOutputStream().flush();
            next.incrementAndGet();
        } catch (IOException e) {
            // The gateway closed the connection: that is what the test waits for.
        }
    }

    /** Reads until EOF or {@code timeoutMillis}; a reset counts as closed. */
    private static Read readUntilClosed(final Socket s, final long timeoutMillis) throws IOException {
        s.setSoTimeout((int) timeoutMillis);
        final InputStream in = s.getInputStream();
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.write(buf, 0, n);
            }
            return new Read(got.toString(StandardCharsets.ISO_8859_1), true);
        } catch (SocketTimeoutException e) {
            return new Read(got.toString(StandardCharsets.ISO_8859_1), false);
        } catch (IOException e) {
            return new Read(got.toString(StandardCharsets.ISO_8859_1), true);
        }
    }

    /** What a slow client read before the connection closed. */
    private record Read(String text, boolean closed) {
    }
}
