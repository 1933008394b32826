package dev.sluice.routing;

import dev.sluice.config.MatchSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Route match cost against route-set size: the router's lookup must not grow with the number of routes.
 *
 * <p>Route sets look like a real gateway's: ten host names, each with templated, multi-segment paths per service
 * ({@code /api/v1/svc{n}/users/{id}}, {@code /api/v1/svc{n}/orders/{id}/items}, a per-service prefix) and some method
 * and header conditions. Hits cycle through 256 requests for routes spread over the whole set, so neither the CPU's
 * branch predictor nor its caches see one hot route.
 *
 * <pre>{@code
 * mvn -q -o -Pjmh -DskipTests package
 * java -jar target/benchmarks.jar RouterBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouterBenchmark {

    private static final int HOSTS = 10;
    private static final int REQUESTS = 256;

    /** Per-trial router and requests for one route-set size. */
    @State(Scope.Benchmark)
    public static class Routes {
        @Param({"10", "1000", "10000"})
        int routeCount;

        Router<Integer> router;
        Request[] hits;
        Request[] misses;
        int next;

        @Setup(Level.Trial)
        public void setUp() throws RouteCompileException {
            router = Router.compile(definitions(routeCount));
            final Random random = new Random(42);
            hits = new Request[REQUESTS];
            misses = new Request[REQUESTS];
            for (int i = 0; i < REQUESTS; i++) {
                final int n = random.nextInt(routeCount);
                hits[i] = hitFor(n, random);
                misses[i] = new Request("GET", host(n), "/api/v1/svc" + n + "/unknown/" + i, null);
            }
            for (final Request hit : hits) {
                if (router.match(hit) == null) {
                    throw new IllegalStateException("benchmark hit request misses: " + hit.path);
                }
            }
            for (final Request miss : misses) {
                if (router.match(miss) != null) {
                    throw new IllegalStateException("benchmark miss request hits: " + miss.path);
                }
            }
        }

        Request nextHit() {
            return hits[next++ & (REQUESTS - 1)];
        }

        Request nextMiss() {
            return misses[next++ & (REQUESTS - 1)];
        }
    }

    /** Definitions for the compile benchmark. */
    @State(Scope.Benchmark)
    public static class CompileInput {
        List<RouteDefinition<Integer>> definitions;

        @Setup(Level.Trial)
        public void setUp() {
            definitions = definitions(10_000);
        }
    }

    @Benchmark
    public RouteMatch<Integer> matchHit(final Routes s) {
        return s.router.match(s.nextHit());
    }

    @Benchmark
    public RouteMatch<Integer> matchMiss(final Routes s) {
        return s.router.match(s.nextMiss());
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 5)
    @Measurement(iterations = 10)
    public Router<Integer> compile10k(final CompileInput input) throws RouteCompileException {
        return Router.compile(input.definitions);
    }

    static List<RouteDefinition<Integer>> definitions(final int count) {
        final List<RouteDefinition<Integer>> out = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            final String svc = "/api/v1/svc" + n;
            final MatchSpec match = switch (n % 4) {
                case 0 -> new MatchSpec(List.of(host(n)), svc + "/users/{id}", null, null, List.of("GET"), null,
                        null);
                case 1 -> new MatchSpec(List.of(host(n)), svc + "/orders/{id}/items", null, null, null, null, null);
                case 2 -> new MatchSpec(List.of(host(n)), null, svc, null, null, Map.of("x-tenant", "*"), null);
                default -> new MatchSpec(List.of("*.example.com"), svc + "/users/{id}/{*rest}", null, null, null,
                        null, null);
            };
            out.add(new RouteDefinition<>("route-" + n, 0, match, n));
        }
        return out;
    }

    static String host(final int n) {
        return "api" + (n % HOSTS) + ".example.com";
    }

    static Request hitFor(final int n, final Random random) {
        final String svc = "/api/v1/svc" + n;
        final String id = Integer.toString(random.nextInt(1_000_000));
        return switch (n % 4) {
            case 0 -> new Request("GET", host(n), svc + "/users/" + id, null);
            case 1 -> new Request("POST", host(n), svc + "/orders/" + id + "/items", null);
            case 2 -> new Request("GET", host(n), svc + "/reports/" + id, "acme");
            default -> new Request("GET", "eu.edge.example.com", svc + "/users/" + id + "/a/b", null);
        };
    }

    /** A fixed request; answers without allocating, as the proxy's exchange must. */
    static final class Request implements RequestView {
        private final String method;
        private final String host;
        private final String path;
        private final String tenant;

        Request(final String method, final String host, final String path, final String tenant) {
            this.method = method;
            this.host = host;
            this.path = path;
            this.tenant = tenant;
        }

        @Override
        public String method() {
            return method;
        }

        @Override
        public String host() {
            return host;
        }

        @Override
        public String path() {
            return path;
        }

        @Override
        public String header(final CharSequence name) {
            return "x-tenant".contentEquals(name) ? tenant : null;
        }

        @Override
        public String queryParam(final String name) {
            return null;
        }
    }
}
