package dev.sluice.policy.concurrency;

import dev.sluice.common.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Measures one admission and its release on a {@link ConcurrencyGate}: uncontended (1 thread) and with 2 threads on
 * the same gate, under a static and an adaptive limit. The limit (100) is never reached, so every call is the fast
 * path: one CAS to take the slot, one to give it back, plus the adaptive limit's per-sample work (three adder updates
 * and a {@link Ticker#system()} read; the once-per-window recompute is amortised over every call in 100 ms).
 *
 * <pre>{@code
 * mvn -q -o -Pjmh -DskipTests package
 * java -jar target/benchmarks.jar ConcurrencyBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * java -jar target/benchmarks.jar ConcurrencyBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc   # allocation per call
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConcurrencyBenchmark {
    /** A plausible upstream latency; constant, so the adaptive limit neither grows (app-limited) nor shrinks. */
    private static final long RTT_NANOS = 2_000_000;

    /** One gate for all benchmark threads: the contended case is two threads on the same gate. */
    @State(Scope.Benchmark)
    public static class Gate {
        @Param({"static", "adaptive"})
        public String limit;

        ConcurrencyGate gate;

        @Setup
        public void setUp() {
            final ConcurrencyLimit l = switch (limit) {
                case "static" -> new StaticLimit(100);
                case "adaptive" -> new AdaptiveLimit(AdaptiveLimit.Settings.defaults(), Ticker.system());
                default -> throw new IllegalArgumentException("limit: " + limit);
            };
            gate = new ConcurrencyGate(l, 0, Duration.ZERO);
        }
    }

    @Benchmark
    @Threads(1)
    public boolean acquireReleaseUncontended(Gate g) {
        return acquireRelease(g.gate);
    }

    @Benchmark
    @Threads(2)
    public boolean acquireReleaseTwoThreads(Gate g) {
        return acquireRelease(g.gate);
    }

    /** The control: one read of the system ticker, which the adaptive limit does per sample. */
    @Benchmark
    @Threads(1)
    public long tickerReadBaseline() {
        return Ticker.system().nanoTime();
    }

    private static boolean acquireRelease(ConcurrencyGate gate) {
        return gate.tryAcquire() && gate.release(RTT_NANOS, /* dropped= */ false);
    }
}
