package dev.sluice.runtime;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.GatewayConfig;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a configuration change costs the config thread for a large gateway: parsing, interpolating, binding and
 * validating a YAML file of N routes ({@link #parse}), and compiling it into a snapshot on a registry that already
 * holds the previous version's state ({@link #recompile}, the reload case). Operators of other gateways report CPU
 * spikes on every route change at 10,000 routes; this is the figure to hold against that.
 *
 * <pre>{@code
 * java -jar target/benchmarks.jar SnapshotCompileBenchmark -f 1
 * }</pre>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 10)
@Fork(1)
@State(Scope.Benchmark)
public class SnapshotCompileBenchmark {
    @Param({"1000", "10000"})
    public int routes;

    private String yaml;
    private GatewayConfig config;
    private SnapshotCompiler compiler;

    @Setup(Level.Trial)
    public void setUp() {
        final StringBuilder b = new StringBuilder(routes * 160);
        b.append("upstreams:\n");
        for (int u = 0; u < 50; u++) {
            b.append("  svc").append(u).append(": { targets: [ { url: \"http://10.0.").append(u)
                    .append(".1:8080\" }, { url: \"http://10.0.").append(u).append(".2:8080\" } ] }\n");
        }
        b.append("routes:\n");
        for (int n = 0; n < routes; n++) {
            b.append("  - id: r").append(n).append('\n');
            switch (n % 3) {
                case 0 -> b.append("    match: { hosts: [h").append(n % 97).append(".example.com], path: \"/api/v1/svc")
                        .append(n).append("/users/{id}\", methods: [GET] }\n");
                case 1 -> b.append("    match: { path_prefix: /api/v1/svc").append(n).append(" }\n")
                        .append("    strip_prefix: true\n");
                default -> b.append("    match: { path: \"/api/v1/svc").append(n).append("/orders/{id}\" }\n")
                        .append("    rewrite: \"/v2/orders/{id}\"\n");
            }
            b.append("    upstream: svc").append(n % 50).append('\n');
        }
        yaml = b.toString();
        config = parseOnce(yaml);
        compiler = new SnapshotCompiler(new StateRegistry());
        if (!compiler.compile(config).isOk()) {
            throw new IllegalStateException("benchmark configuration does not compile");
        }
    }

    private static GatewayConfig parseOnce(String text) {
        final ConfigResult result = ConfigLoader.parse(text, "bench.yaml", Map.<String, String>of()::get);
        if (!result.isValid()) {
            throw new IllegalStateException(result.problems().toString());
        }
        return result.config();
    }

    /** YAML text to a validated configuration. */
    @Benchmark
    public GatewayConfig parse() {
        return parseOnce(yaml);
    }

    /** A validated configuration to a snapshot, as on a reload: state reused, router and routes rebuilt. */
    @Benchmark
    public SnapshotCompiler.Result recompile() {
        return compiler.compile(config);
    }
}
