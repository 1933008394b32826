package dev.sluice.testing;

import dev.sluice.Gateway;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.GatewayConfig;
import dev.sluice.upstream.Endpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Starts an in-process gateway from a YAML snippet on a free port, for integration tests.
 *
 * <pre>{@code
 * try (GatewayHarness gw = GatewayHarness.start(yaml, Map.of("UP", upstream.url()))) {
 *     HttpResponse<String> r = gw.get("/api");
 * }
 * }</pre>
 * {@code ${NAME}} in the YAML is replaced from {@code vars}; {@code server.listen} defaults to
 * {@code 127.0.0.1:0}.
 */
public final class GatewayHarness implements AutoCloseable {
    private final Gateway gateway;
    private final HttpClient client;
    private final Map<String, String> vars;

    private GatewayHarness(Gateway gateway, Map<String, String> vars) {
        this.gateway = gateway;
        this.vars = vars;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static GatewayHarness start(String yaml, Map<String, String> vars) throws InterruptedException {
        return new GatewayHarness(Gateway.start(parse(yaml, vars)), vars);
    }

    /** Parses and validates a YAML snippet, failing the test with every problem when it is invalid. */
    public static GatewayConfig parse(String yaml, Map<String, String> vars) {
        final String text = yaml.contains("listen:") ? yaml
                : yaml.startsWith("server:\n") ? yaml.replaceFirst("server:\n", "server:\n  listen: 127.0.0.1:0\n")
                : "server:\n  listen: 127.0.0.1:0\n" + yaml;
        final ConfigResult result = ConfigLoader.parse(text, "test", vars::get);
        if (!result.isValid()) {
            throw new AssertionError("test config invalid: " + result.problems());
        }
        return result.config();
    }

    public Gateway gateway() {
        return gateway;
    }

    public int port() {
        return gateway.address().getPort();
    }

    public URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
    }

    public HttpClient client() {
        return client;
    }

    /** Applies a new YAML configuration; returns the problems (empty when applied). */
    public List<String> reload(String yaml) {
        return gateway.apply(parse(yaml, vars));
    }

    /**
     * The endpoints of {@code upstream} that its balancer picks from now: healthy, not ejected, breaker not open. A
     * health or breaker change reaches this set asynchronously, so tests await it before relying on the change.
     */
    public List<Endpoint> eligibleEndpoints(String upstream) {
        return gateway.snapshot().upstreams().get(upstream).live().endpoints().eligible();
    }

    public HttpResponse<String> get(String pathAndQuery) throws Exception {
        return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET().build());
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    public HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        gateway.stop(Duration.ofSeconds(2).toNanos());
    }
}
