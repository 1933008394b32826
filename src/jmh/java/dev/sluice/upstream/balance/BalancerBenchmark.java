package dev.sluice.upstream.balance;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Measures {@link LoadBalancer#pick} for every balancer kind at 3 and 100 endpoints, single-threaded.
 *
 * <p>Weights are 1..5 in turn, so the weighted paths (WRR schedule, cumulative search, weighted P2C) are the ones
 * measured; in-flight counts are 0..7 in turn so P2C compares real numbers. Consistent hashing cycles through 1,024
 * distinct header keys so the ring search is not served from one cached path.
 *
 * <pre>{@code
 * mvn -q -o -Pjmh -DskipTests package
 * java -jar target/benchmarks.jar BalancerBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BalancerBenchmark {
    private static final int KEYS = 1_024;

    @Param({"ROUND_ROBIN", "WEIGHTED_ROUND_ROBIN", "RANDOM", "LEAST_REQUEST", "CONSISTENT_HASH"})
    public BalancerKind kind;

    @Param({"3", "100"})
    public int endpoints;

    private LoadBalancer balancer;
    private PickContext[] requests;
    private int next;

    @Setup
    public void setUp() {
        final List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < endpoints; i++) {
            final Endpoint endpoint = new Endpoint("10.0." + (i / 256) + "." + (i % 256), 8080, 1 + i % 5);
            for (int r = 0; r < i % 8; r++) {
                endpoint.acquire();
            }
            list.add(endpoint);
        }
        balancer = LoadBalancers.create(kind, new HashOn(HashOn.Source.HEADER, "X-User"), list,
                RandomSource.threadLocal());
        requests = new PickContext[KEYS];
        for (int i = 0; i < KEYS; i++) {
            requests[i] = new Request("user-" + i + "-4f1c2a");
        }
    }

    @Benchmark
    public Endpoint pick() {
        final PickContext request = requests[next++ & (KEYS - 1)];
        return balancer.pick(request);
    }

    /** A request whose lookups allocate nothing, so only the balancer is measured. */
    private static final class Request implements PickContext {
        private final String user;

        Request(String user) {
            this.user = user;
        }

        @Override
        public String clientIp() {
            return "192.0.2.1";
        }

        @Override
        public String path() {
            return "/api/users";
        }

        @Override
        public String header(CharSequence name) {
            return user;
        }

        @Override
        public String cookie(String name) {
            return null;
        }
    }
}
