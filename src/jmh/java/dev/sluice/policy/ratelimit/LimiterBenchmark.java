package dev.sluice.policy.ratelimit;

import dev.sluice.config.Rate;
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
 * Measures one rate-limit decision on one key, per algorithm: uncontended (1 thread) and with 2 threads on the same
 * key, through the allocation-free compact API and the rich {@link RateLimitDecision} API.
 *
 * <p>Time is synthetic: each thread's clock advances {@link #STEP_NANOS} per call, and every algorithm is configured
 * for 10 million requests per second, so the benchmark exercises a realistic mix of admissions (CAS) and rejections
 * (no write) instead of a frozen, all-rejecting limiter, and excludes the ~20 ns of a {@code System.nanoTime()} read.
 * Concurrency does acquire and release per call (two CAS loops).
 *
 * <pre>{@code
 * mvn -q -o -Pjmh -DskipTests package
 * java -jar target/benchmarks.jar LimiterBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * java -jar target/benchmarks.jar LimiterBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1 -prof gc   # allocation per call
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LimiterBenchmark {
    /** 100 ns per call per thread: 10M calls per second of synthetic time, matched by every limit below. */
    private static final long STEP_NANOS = 100;
    private static final long START = 1_700_000_000_000_000_000L;

    /** One limiter for all benchmark threads: the contended case is two threads on the same key. */
    @State(Scope.Benchmark)
    public static class Key {
        @Param({"token_bucket", "leaky_bucket", "fixed_window", "sliding_window", "sliding_log", "concurrency"})
        public String algorithm;

        LocalLimiter limiter;
        ConcurrencyLimiter concurrency;

        @Setup
        public void setUp() {
            final Rate tenMillionPerSecond = Rate.perSecond(10_000_000);
            switch (algorithm) {
                case "token_bucket":
                    limiter = LimiterFactory.tokenBucket(tenMillionPerSecond, 1_000).newLimiter();
                    break;
                case "leaky_bucket":
                    limiter = LimiterFactory.leakyBucketNodelay(tenMillionPerSecond, 1_000).newLimiter();
                    break;
                case "fixed_window":
                    limiter = LimiterFactory.fixedWindow(10_000, Duration.ofMillis(1)).newLimiter();
                    break;
                case "sliding_window":
                    limiter = LimiterFactory.slidingWindow(10_000, Duration.ofMillis(1)).newLimiter();
                    break;
                case "sliding_log":
                    // The sliding log is for small limits: 16 per 1.6 us is the same 10M/s.
                    limiter = LimiterFactory.slidingLog(16, Duration.ofNanos(1_600)).newLimiter();
                    break;
                case "concurrency":
                    concurrency = LimiterFactory.concurrency(1_000, Duration.ofMinutes(1)).newLimiter();
                    limiter = concurrency;
                    break;
                default:
                    throw new IllegalArgumentException("algorithm: " + algorithm);
            }
        }
    }

    /** Each thread's own synthetic clock. */
    @State(Scope.Thread)
    public static class Clock {
        long now = START;

        long tick() {
            now += STEP_NANOS;
            return now;
        }
    }

    @Benchmark
    @Threads(1)
    public long compactUncontended(Key key, Clock clock) {
        return decideCompact(key, clock);
    }

    @Benchmark
    @Threads(2)
    public long compactTwoThreadsSameKey(Key key, Clock clock) {
        return decideCompact(key, clock);
    }

    @Benchmark
    @Threads(1)
    public RateLimitDecision richUncontended(Key key, Clock clock) {
        return decideRich(key, clock);
    }

    @Benchmark
    @Threads(2)
    public RateLimitDecision richTwoThreadsSameKey(Key key, Clock clock) {
        return decideRich(key, clock);
    }

    private static long decideCompact(Key key, Clock clock) {
        final long outcome = key.limiter.tryAcquireNanos(clock.tick());
        if (key.concurrency != null && outcome >= 0) {
            key.concurrency.release();
        }
        return outcome;
    }

    private static RateLimitDecision decideRich(Key key, Clock clock) {
        final RateLimitDecision decision = key.limiter.tryAcquire(clock.tick());
        if (key.concurrency != null && decision.allowed()) {
            key.concurrency.release();
        }
        return decision;
    }
}
