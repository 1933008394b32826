package dev.sluice.policy.ratelimit;

import dev.sluice.config.Rate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs scripted arrival sequences against a real nginx {@code limit_req} and checks that {@link LeakyBucketLimiter},
 * fed the same arrival times, gives the same verdict for every request and the same delay within tolerance.
 *
 * <p>Setup: one nginx (one worker, so one event loop and one clock) on a free loopback port with a temporary prefix;
 * one location per configuration, each with its own zone keyed by {@code $server_name}, so the sequences share no
 * state. Locations serve a static file, because limit_req runs in the preaccess phase and a {@code return} directive
 * would answer in the rewrite phase, before it.
 *
 * <p>Measurement: every request has its own pre-connected socket; the sender thread writes each request at its
 * scripted offset and records the time of the write (the arrival time fed to our limiter). A reader per socket
 * records when the status line arrives; nginx's delay is that response time minus the write time.
 *
 * <p>Robustness: nginx reads its millisecond clock once per event-loop iteration and our write times carry scheduling
 * jitter of a few ms on this shared machine, so the scripts keep every verdict at least ~15 ms of drain away from the
 * reject boundary (worked out in the comments of {@link #scripts()}); a burst sent "at once" is spaced 3 ms apart so
 * that nginx sees the requests in the order they were written. Delays are compared within {@link #DELAY_TOLERANCE_MS}.
 */
class LeakyBucketNginxConformanceTest {
    private static final Path NGINX = Paths.get("/usr/sbin/nginx");
    private static final long DELAY_TOLERANCE_MS = 15;
    private static final long MS = 1_000_000;
    /** A request's status line must arrive within the longest scripted delay (500 ms) plus generous slack. */
    private static final int READ_TIMEOUT_MS = 5_000;

    /**
     * Each script may run up to this many times, each time against a fresh zone, and passes when one run matches in
     * full. A run can only fail spuriously one way (a loaded machine delays a read by more than the tolerance, or
     * reorders two writes), and that does not repeat on every run; a real difference in verdicts or delays does.
     */
    private static final int ATTEMPTS = 3;
    /** Location (and zone) name, rate and limit_req parameters. */
    private static final String[][] LOCATIONS = {
        {"d", "10r/s", "burst=5"},
        {"n", "10r/s", "burst=5 nodelay"},
        {"k", "10r/s", "burst=5 delay=2"},
        {"s", "20r/s", "burst=3"},
    };

    private static Path prefix;
    private static Process nginx;
    private static int port;

    @BeforeAll
    static void startNginx() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(NGINX), "nginx is not installed at " + NGINX);
        prefix = Files.createTempDirectory("sluice-nginx-");
        // nginx workers drop root privileges, so the prefix must be world-readable.
        Files.setPosixFilePermissions(prefix, PosixFilePermissions.fromString("rwxr-xr-x"));
        final Path html = Files.createDirectories(prefix.resolve("html"));
        Files.setPosixFilePermissions(html, PosixFilePermissions.fromString("rwxr-xr-x"));
        final StringBuilder zones = new StringBuilder();
        final StringBuilder locations = new StringBuilder();
        for (final String[] location : LOCATIONS) {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                final String name = location[0] + attempt;
                final Path file = Files.writeString(html.resolve(name), "ok\n");
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                zones.append("  limit_req_zone $server_name zone=").append(name).append(":1m rate=")
                        .append(location[1]).append(";\n");
                locations.append("    location = /").append(name).append(" { limit_req zone=").append(name)
                        .append(' ').append(location[2]).append("; }\n");
            }
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        final String conf = String.join("\n",
                "worker_processes 1;",
                "daemon off;",
                "pid " + prefix.resolve("nginx.pid") + ";",
                "error_log " + prefix.resolve("error.log") + " warn;",
                "events { worker_connections 256; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + prefix.resolve("tmp-body") + ";",
                "  proxy_temp_path " + prefix.resolve("tmp-proxy") + ";",
                "  fastcgi_temp_path " + prefix.resolve("tmp-fastcgi") + ";",
                "  uwsgi_temp_path " + prefix.resolve("tmp-uwsgi") + ";",
                "  scgi_temp_path " + prefix.resolve("tmp-scgi") + ";",
                zones.toString(),
                "  limit_req_status 429;",
                "  server {",
                "    listen 127.0.0.1:" + port + ";",
                "    server_name sluice;",
                "    root " + html + ";",
                locations.toString(),
                "  }",
                "}",
                "");
        final Path confFile = Files.writeString(prefix.resolve("nginx.conf"), conf);
        nginx = new ProcessBuilder(NGINX.toString(), "-p", prefix.toString(), "-c", confFile.toString(),
                "-e", prefix.resolve("error.log").toString())
                .redirectErrorStream(true)
                .redirectOutput(prefix.resolve("stdout.log").toFile())
                .start();
        awaitListening();
    }

    @AfterAll
    static void stopNginx() throws Exception {
        if (nginx == null) {
            return;
        }
        final List<ProcessHandle> workers = nginx.descendants().toList();
        // SIGTERM to the master pid (the one in its pid file): nginx's fast shutdown, which also stops the worker.
        nginx.destroy();
        if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
            nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (final ProcessHandle worker : workers) {
            worker.destroyForcibly();
        }
    }

    /**
     * The scripts, as offsets in ms. Worked for /d (10r/s, burst=5, so 10 milli-requests drain per ms):
     * <ul>
     *   <li>0..21 step 3: excess 0, 970, 1940, 2910, 3880, 4850 (admitted; even if all arrived in one ms the 6th is
     *       5000, still <= 5000), then 5820 and 5790 (rejected, 790+ above the bound);</li>
     *   <li>300, 310, 320: 3000, 3900, 4800 (delays 300, 390, 480 ms); 330: 5700, rejected;</li>
     *   <li>1200, 1250, 1300: the bucket has drained: 0, 500, 1000 (delays 0, 50, 100 ms).</li>
     * </ul>
     * The same arrivals give nodelay (/n) and delay=2 (/k) their verdicts with the same margins. /s (20r/s, burst 3)
     * uses its own script with at least 300 milli-requests of margin on every verdict.
     */
    static Stream<Arguments> scripts() {
        final long[] common = {0, 3, 6, 9, 12, 15, 18, 21, 300, 310, 320, 330, 1200, 1250, 1300};
        return Stream.of(
                Arguments.of("burst=5", "/d", LimiterFactory.leakyBucket(Rate.perSecond(10), 5, 0), common),
                Arguments.of("burst=5 nodelay", "/n", LimiterFactory.leakyBucketNodelay(Rate.perSecond(10), 5),
                        common),
                Arguments.of("burst=5 delay=2", "/k", LimiterFactory.leakyBucket(Rate.perSecond(10), 5, 2), common),
                // 20r/s: 20 milli per ms. 0..18: 0, 940, 1880, 2820, 3760(rejected), 3700(rejected);
                // 150: 2820-2640+1000 = 1180; 160: 1980; 170: 2780; 180: 3580 rejected; 700: 0; 720: 600.
                Arguments.of("rate=20r/s burst=3", "/s", LimiterFactory.leakyBucket(Rate.perSecond(20), 3, 0),
                        new long[] {0, 3, 6, 9, 12, 15, 150, 160, 170, 180, 700, 720}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scripts")
    void tryAcquire_sameArrivalsAsNginx_sameVerdictsAndDelays(String name, String path,
            LimiterFactory<LocalLimiter> factory, long[] offsetsMs) throws Exception {
        final List<String> runs = new ArrayList<>();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            final List<String> mismatches = compare(name, factory, fire(path + attempt, offsetsMs));
            if (mismatches.isEmpty()) {
                return;
            }
            runs.add("run " + attempt + ":\n  " + String.join("\n  ", mismatches));
        }
        throw new AssertionError("nginx and ours differ in every one of " + ATTEMPTS + " runs:\n"
                + String.join("\n", runs));
    }

    /** Feeds the observed arrival times to a fresh limiter; returns a line per request that differs, with why. */
    private static List<String> compare(String name, LimiterFactory<LocalLimiter> factory, Observation[] observed) {
        final LocalLimiter limiter = factory.newLimiter();
        final List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < observed.length; i++) {
            final Observation o = observed[i];
            final RateLimitDecision ours = limiter.tryAcquire(o.sentNanos);
            final long nginxDelayMs = (o.answeredNanos - o.sentNanos) / MS;
            final String line = String.format("%-20s #%02d at %5d ms: nginx %d after %3d ms, ours %s delay %3d ms",
                    name, i, (o.sentNanos - observed[0].sentNanos) / MS, o.status, nginxDelayMs,
                    ours.allowed() ? "admit" : "reject", ours.delayNanos() / MS);
            System.out.println(line);
            final long expectedMs = ours.delayNanos() / MS;
            if (o.status != (ours.allowed() ? 200 : 429)) {
                mismatches.add(line + "  <- verdict");
            } else if (ours.allowed() && Math.abs(nginxDelayMs - expectedMs) > DELAY_TOLERANCE_MS) {
                mismatches.add(line + "  <- delay beyond " + DELAY_TOLERANCE_MS + " ms");
            }
        }
        return mismatches;
    }

    /** Sends one request per offset on its own pre-connected socket and records write and answer times. */
    private static Observation[] fire(String path, long[] offsetsMs) throws Exception {
        final int n = offsetsMs.length;
        final Socket[] sockets = new Socket[n];
        final Observation[] observed = new Observation[n];
        final ExecutorService readers = Executors.newFixedThreadPool(n);
        try {
            for (int i = 0; i < n; i++) {
                sockets[i] = new Socket();
                sockets[i].setTcpNoDelay(true);
                sockets[i].setSoTimeout(READ_TIMEOUT_MS);
                sockets[i].connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
                observed[i] = new Observation();
            }
            final byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            final List<Future<?>> reads = new ArrayList<>();
            final long start = System.nanoTime() + 50 * MS;
            for (int i = 0; i < n; i++) {
                awaitNanoTime(start + offsetsMs[i] * MS);
                final Socket socket = sockets[i];
                final Observation o = observed[i];
                final OutputStream out = socket.getOutputStream();
                o.sentNanos = System.nanoTime();
                out.write(request);
                out.flush();
                reads.add(readers.submit(() -> {
                    final BufferedReader in = new BufferedReader(
                            new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                    final String statusLine = in.readLine();
                    o.answeredNanos = System.nanoTime();
                    o.status = Integer.parseInt(statusLine.split(" ")[1]);
                    return null;
                }));
            }
            for (final Future<?> read : reads) {
                read.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            }
            return observed;
        } finally {
            readers.shutdownNow();
            for (final Socket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    /** Parks until {@code deadline}, then spins the last stretch: this test measures real time against nginx. */
    private static void awaitNanoTime(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            if (left > 2 * MS) {
                LockSupport.parkNanos(left - MS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private static void awaitListening() throws IOException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (!nginx.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("nginx did not start: " + Files.readString(prefix.resolve("stdout.log"))
                            + readIfExists(prefix.resolve("error.log")), e);
                }
                LockSupport.parkNanos(20 * MS);
            }
        }
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    /** What the client saw for one request. */
    private static final class Observation {
        volatile long sentNanos;
        volatile long answeredNanos;
        volatile int status;
    }
}
