package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.ConfigLoader;
import dev.sluice.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live reconfiguration from the watched file while clients send requests without pause: every request succeeds,
 * valid changes take effect, invalid ones change nothing.
 */
class HotReloadIntegrationTest {
    private static String config(String upstreamUrl, String marker) {
        return """
                server:
                  listen: 127.0.0.1:0
                upstreams:
                  app: { targets: [ { url: "%s" } ] }
                routes:
                  - id: app
                    match: { path_prefix: / }
                    upstream: app
                    response_headers: { set: { X-Config: "%s" } }
                """.formatted(upstreamUrl, marker);
    }

    /** Replaces the file atomically, as editors and Kubernetes do. */
    private static void write(Path file, String content) throws Exception {
        final Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void fileChanges_underContinuousTraffic_noRequestFailsAndChangesApply(@TempDir Path dir) throws Exception {
        try (TestUpstream blue = TestUpstream.start("blue"); TestUpstream green = TestUpstream.start("green")) {
            final Path file = dir.resolve("gateway.yaml");
            write(file, config(blue.url(), "v0"));
            final Gateway gateway = Gateway.start(ConfigLoader.load(file).config());
            gateway.watch(file, System::getenv);
            final URI uri = URI.create("http://127.0.0.1:" + gateway.address().getPort() + "/work");
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicInteger ok = new AtomicInteger();
            final Map<String, Integer> failures = new ConcurrentHashMap<>();
            final Map<String, AtomicInteger> servedBy = new ConcurrentHashMap<>();
            final ExecutorService clients = Executors.newFixedThreadPool(4);
            final List<Future<?>> loops = new ArrayList<>();
            try {
                for (int c = 0; c < 4; c++) {
                    loops.add(clients.submit(() -> {
                        final HttpClient client = HttpClient.newHttpClient();
                        while (running.get()) {
                            try {
                                final HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() == 200) {
                                    ok.incrementAndGet();
                                    servedBy.computeIfAbsent(r.body() + "/" + r.headers().firstValue("x-config")
                                            .orElse("?"), k -> new AtomicInteger()).incrementAndGet();
                                } else {
                                    failures.merge("status " + r.statusCode() + ": " + r.body(), 1, Integer::sum);
                                }
                            } catch (Exception e) {
                                failures.merge(e.toString(), 1, Integer::sum);
                            }
                        }
                    }));
                }
                await().until(() -> ok.get() > 200);
                for (int version = 1; version <= 10; version++) {
                    final TestUpstream target = version % 2 == 0 ? blue : green;
                    final String marker = "v" + version;
                    write(file, config(target.url(), marker));
                    await().atMost(Duration.ofSeconds(10)).until(() -> servedBy.containsKey(target.name() + "/"
                            + marker));
                    if (version == 5) {
                        // An invalid change is rejected whole; v5 keeps serving.
                        write(file, config(blue.url(), "bad").replace("path_prefix: /", "path_prefix: nope"));
                        final int before = ok.get();
                        await().until(() -> ok.get() > before + 200);
                        assertThat(servedBy).doesNotContainKey("blue/bad");
                        assertThat(gateway.snapshot().config().routes().get(0).responseHeaders().set())
                                .containsEntry("X-Config", "v5");
                    }
                }
            } finally {
                running.set(false);
                for (Future<?> loop : loops) {
                    loop.get();
                }
                clients.shutdown();
                gateway.stop(Duration.ofSeconds(2).toNanos());
            }
            assertThat(failures).isEmpty();
            assertThat(ok.get()).isGreaterThan(1000);
        }
    }
}
