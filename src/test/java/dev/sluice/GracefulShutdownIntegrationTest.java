package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.GatewayProcess;
import dev.sluice.testing.TestUpstream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Graceful shutdown: stop accepting, let the request in flight finish, then close. */
class GracefulShutdownIntegrationTest {
    private static final String CONFIG = """
            server:
              shutdown_timeout: 10s
            upstreams:
              slow: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: slow }
            """;

    @Test
    void stop_slowRequestInFlight_requestCompletesAndNewConnectionsAreRefused() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("slow")) {
            upstream.respondWith(r -> TestUpstream.Behavior.respond(200, "finished").delayed(1500));
            final GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", upstream.url()));
            final int port = gw.port();
            final CompletableFuture<HttpResponse<String>> inFlight = gw.client()
                    .sendAsync(gw.request("/slow").GET().build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests() == 1);

            final CompletableFuture<Void> stopping = CompletableFuture.runAsync(gw::close);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
                            .isInstanceOf(ConnectException.class));

            final HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("finished");
            assertThat(response.headers().firstValue("connection")).hasValue("close");
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void sigterm_slowRequestInFlight_requestCompletesThenProcessExits(@TempDir Path dir) throws Exception {
        try (TestUpstream upstream = TestUpstream.start("slow")) {
            upstream.respondWith(r -> TestUpstream.Behavior.respond(200, "finished").delayed(1500));
            try (GatewayProcess gateway = GatewayProcess.start(CONFIG.replace("server:\n",
                    "server:\n  listen: 127.0.0.1:${PORT}\n").replace("${UP}", upstream.url()), List.of("-Xmx128m"), dir)) {
                final HttpClient client = HttpClient.newHttpClient();
                final CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/slow")).build(),
                        HttpResponse.BodyHandlers.ofString());
                await().atMost(Duration.ofSeconds(5)).until(() -> upstream.requests() == 1);

                gateway.terminate();

                final HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("finished");
                assertThat(gateway.process().waitFor(10, TimeUnit.SECONDS)).as(gateway.output()).isTrue();
                assertThat(gateway.output()).contains("draining").contains("sluice stopped");
            }
        }
    }
}
