package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayProcess;
import dev.sluice.testing.TestUpstream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streams 200 MB through a gateway whose heap is 64 MB, in both directions: the body can only get through if it
 * is streamed with back-pressure, never buffered whole.
 */
class LargeBodyIntegrationTest {
    private static final long SIZE = 200L * 1024 * 1024;

    @TempDir
    static Path dir;
    private static TestUpstream upstream;
    private static GatewayProcess gateway;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("big");
        gateway = GatewayProcess.start("""
                server:
                  listen: 127.0.0.1:${PORT}
                  max_body_size: 1gb
                upstreams:
                  big: { targets: [ { url: "%s" } ] }
                routes:
                  - { id: all, match: { path_prefix: / }, upstream: big }
                """.formatted(upstream.url()),
                // Direct memory bounded too, so buffering in off-heap pools would fail as well.
                List.of("-Xmx64m", "-XX:MaxDirectMemorySize=64m"), dir);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void upload_200MegabytesThroughSmallHeap_arrivesIntact() throws Exception {
        upstream.respondWith(r -> TestUpstream.Behavior.of(TestUpstream.Action.DIGEST));
        final CRC32 sent = new CRC32();
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/up"))
                .timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(SIZE, sent)))
                .build();

        final HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(gateway.output()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"bytes\":" + SIZE + ",\"crc\":" + sent.getValue() + "}");
        assertThat(gateway.process().isAlive()).isTrue();
    }

    @Test
    void download_200MegabytesThroughSmallHeap_arrivesIntact() throws Exception {
        upstream.respondWith(r -> TestUpstream.Behavior.stream(SIZE));
        final HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/down"))
                .timeout(Duration.ofMinutes(2)).GET().build();

        final HttpResponse<InputStream> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
        final CRC32 received = new CRC32();
        long total = 0;
        try (InputStream in = response.body()) {
            final byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.update(buf, 0, n);
                total += n;
            }
        }

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(total).isEqualTo(SIZE);
        assertThat(received.getValue()).isEqualTo(TestUpstream.streamCrc(SIZE));
        assertThat(gateway.process().isAlive()).isTrue();
    }

    /** A deterministic byte stream of a given length, checksummed as it is read. */
    private static final class PatternStream extends InputStream {
        private final CRC32 crc;
        private long left;
        private int i;

        PatternStream(long length, CRC32 crc) {
            this.left = length;
            this.crc = crc;
        }

        @Override
        public int read() {
            final byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left <= 0) {
                return -1;
            }
            final int n = (int) Math.min(len, left);
            for (int k = 0; k < n; k++) {
                b[off + k] = (byte) (i++ * 131 + 17);
            }
            crc.update(b, off, n);
            left -= n;
            return n;
        }
    }
}
