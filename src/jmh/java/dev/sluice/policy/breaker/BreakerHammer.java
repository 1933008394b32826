package dev.sluice.policy.breaker;

import dev.sluice.common.Ticker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The stress test's load, on the real clock, against our breaker and Resilience4j's, outside the test suite (so that a
 * Resilience4j failure cannot fail the build): threads with calls in flight, an upstream alternating between 10% and
 * 90% failures every 200 ms, a window of 10 calls or 1 second, open for 1 ms, 3 trial calls. Prints per breaker the
 * calls, denials, transitions, exceptions by type, and results reported in another state than the one that permitted
 * them.
 *
 * <pre>{@code
 * mvn -q -o -Pjmh -DskipTests package
 * java -cp target/benchmarks.jar dev.sluice.policy.breaker.BreakerHammer [seconds] [threads]
 * }</pre>
 */
public final class BreakerHammer {
    private static final int IN_FLIGHT = 4;
    private static final long PHASE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private BreakerHammer() {
    }

    public static void main(String[] args) throws InterruptedException {
        final int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        final int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        for (final SlidingWindowType type : SlidingWindowType.values()) {
            run("sluice " + type, seconds, threads, sluice(type));
            run("resilience4j " + type, seconds, threads, resilience4j(type));
        }
    }

    /** One breaker under test, seen through the calls the hammer needs. */
    private interface Target {
        /** Returns a handle for a permitted call, or -1. */
        long acquire();

        void end(long handle, boolean failed);

        String state();

        AtomicLong transitions();
    }

    private static Target sluice(SlidingWindowType type) {
        final AtomicLong transitions = new AtomicLong();
        final CircuitBreaker breaker = new CircuitBreaker("hammer", new BreakerSettings(
                type == SlidingWindowType.COUNT_BASED ? WindowKind.COUNT : WindowKind.TIME, windowSize(type), 5, 0.5,
                1.0, 0,
                TimeUnit.MILLISECONDS.toNanos(1), 3), Ticker.system(),
                (b, from, to, figures) -> transitions.incrementAndGet());
        return new Target() {
            @Override
            public long acquire() {
                return breaker.tryAcquire();
            }

            @Override
            public void end(long handle, boolean failed) {
                if (failed) {
                    breaker.onFailure(handle, 1);
                } else {
                    breaker.onSuccess(handle, 1);
                }
            }

            @Override
            public String state() {
                return breaker.state().name();
            }

            @Override
            public AtomicLong transitions() {
                return transitions;
            }
        };
    }

    private static Target resilience4j(SlidingWindowType type) {
        final AtomicLong transitions = new AtomicLong();
        final io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
                io.github.resilience4j.circuitbreaker.CircuitBreaker.of("hammer", CircuitBreakerConfig.custom()
                        .slidingWindow(windowSize(type), 5, type)
                        .failureRateThreshold(50)
                        .waitDurationInOpenState(Duration.ofMillis(1))
                        .permittedNumberOfCallsInHalfOpenState(3)
                        .build());
        breaker.getEventPublisher().onStateTransition(e -> transitions.incrementAndGet());
        return new Target() {
            @Override
            public long acquire() {
                return breaker.tryAcquirePermission() ? 0 : -1;
            }

            @Override
            public void end(long handle, boolean failed) {
                if (failed) {
                    breaker.onError(1, TimeUnit.NANOSECONDS, new RuntimeException("upstream"));
                } else {
                    breaker.onSuccess(1, TimeUnit.NANOSECONDS);
                }
            }

            @Override
            public String state() {
                return breaker.getState().name();
            }

            @Override
            public AtomicLong transitions() {
                return transitions;
            }
        };
    }

    private static int windowSize(SlidingWindowType type) {
        return type == SlidingWindowType.COUNT_BASED ? 10 : 1;
    }

    private static void run(String label, int seconds, int threads, Target target) throws InterruptedException {
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        final LongAdder calls = new LongAdder();
        final LongAdder denied = new LongAdder();
        final LongAdder crossState = new LongAdder();
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final SplittableRandom random = new SplittableRandom(t);
            workers.add(new Thread(() -> {
                final long[] handles = new long[IN_FLIGHT];
                final String[] permittedIn = new String[IN_FLIGHT];
                Arrays.fill(handles, -1);
                while (System.nanoTime() < end) {
                    final int slot = random.nextInt(IN_FLIGHT);
                    try {
                        if (handles[slot] >= 0) {
                            final boolean bad = (System.nanoTime() / PHASE_NANOS) % 2 == 1;
                            final String now = target.state();
                            target.end(handles[slot], random.nextInt(10) < (bad ? 9 : 1));
                            if (!now.equals(permittedIn[slot])) {
                                crossState.increment();
                            }
                            handles[slot] = -1;
                        } else {
                            final String state = target.state();
                            handles[slot] = target.acquire();
                            permittedIn[slot] = state;
                            (handles[slot] >= 0 ? calls : denied).increment();
                        }
                    } catch (Throwable e) {
                        errors.computeIfAbsent(e.getClass().getName(), k -> new LongAdder()).increment();
                        handles[slot] = -1;
                    }
                }
            }, "hammer-" + t));
        }
        workers.forEach(Thread::start);
        for (final Thread w : workers) {
            w.join();
        }
        System.out.printf("%-26s calls=%,d denied=%,d transitions=%,d resultsInAnotherState=%,d errors=%s%n", label,
                calls.sum(), denied.sum(), target.transitions().get(), crossState.sum(), errors);
    }
}
