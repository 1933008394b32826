package dev.sluice.policy.breaker;

import static dev.sluice.policy.breaker.BreakerState.CLOSED;
import static dev.sluice.policy.breaker.BreakerState.HALF_OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Several threads drive one breaker through hundreds of transitions: each holds a few calls in flight and ends them in
 * random order, so results regularly arrive after their generation has ended; one more thread plays the gateway's
 * timer. The shared fake clock moves a step per call, and the upstream alternates between phases of 10% and 90%
 * failures, each several open periods long (and, for the time window, two windows long).
 *
 * <p>Checks: no exception; every transition reaches the listener exactly once, and sorted by generation they chain
 * (each starts where the previous ended) through legal steps only; a HALF_OPEN generation grants at most trialCalls
 * permits, and exactly trialCalls when it closed (closing needs every trial to report).
 */
class CircuitBreakerStressTest {
    private static final int WORKERS = 3;
    private static final int CALLS_PER_WORKER = 200_000;
    private static final int IN_FLIGHT = 4;
    private static final int TRIALS = 3;
    private static final Set<String> LEGAL = Set.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
            "HALF_OPEN->CLOSED");

    private final ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 1);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(WindowKind.class)
    void manyThreads_throughManyTransitions_exactTrialPermitsAndLegalEventChain(WindowKind kind) throws Exception {
        final FakeTicker ticker = new FakeTicker(1_700_000_000_000_000_000L);
        final boolean count = kind == WindowKind.COUNT;
        final Upstream upstream = count ? new Upstream(1_000, 2_000_000) : new Upstream(50_000, 2_000_000_000L);
        final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
        final CircuitBreaker breaker = new CircuitBreaker("stress",
                new BreakerSettings(kind, count ? 10 : 1, 5, 0.5, 1.0, 0, count ? 200_000 : 1_000_000, TRIALS), ticker,
                (b, from, to, figures) -> events.add(new Event(from, to, figures.generation())));

        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<Map<Long, Integer>>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            final long seed = w;
            workers.add(pool.submit(() -> work(breaker, ticker, upstream, new SplittableRandom(seed), start)));
        }
        final Future<?> timer = pool.submit(() -> {
            start.await();
            while (!Thread.currentThread().isInterrupted() && !allDone(workers)) {
                breaker.transitionToHalfOpenIfDue();
                Thread.onSpinWait();
            }
            return null;
        });
        start.countDown();
        final Map<Long, Integer> grantsByGeneration = new HashMap<>();
        for (final Future<Map<Long, Integer>> worker : workers) {
            worker.get(30, TimeUnit.SECONDS).forEach((gen, n) -> grantsByGeneration.merge(gen, n, Integer::sum));
        }
        timer.get(30, TimeUnit.SECONDS);

        final List<Event> chain = new ArrayList<>(events);
        chain.sort(Comparator.comparingLong(Event::generation));
        assertThat(chain).hasSizeGreaterThan(100);
        assertThat(chain.get(chain.size() - 1).generation()).isEqualTo(breaker.snapshot().generation());
        BreakerState state = CLOSED;
        for (int i = 0; i < chain.size(); i++) {
            final Event e = chain.get(i);
            assertThat(e.generation()).isEqualTo(i + 1);
            assertThat(e.from()).isEqualTo(state);
            assertThat(LEGAL).contains(e.from() + "->" + e.to());
            state = e.to();
            if (e.to() == HALF_OPEN) {
                final int granted = grantsByGeneration.getOrDefault(e.generation(), 0);
                final boolean closed = i + 1 < chain.size() && chain.get(i + 1).to() == CLOSED;
                if (closed) {
                    assertThat(granted).as("trial permits of generation %d", e.generation()).isEqualTo(TRIALS);
                } else {
                    assertThat(granted).as("trial permits of generation %d", e.generation()).isBetween(0, TRIALS);
                }
            }
        }
        assertThat(chain).anyMatch(e -> e.from() == HALF_OPEN && e.to() == CLOSED);
        assertThat(chain).anyMatch(e -> e.from() == HALF_OPEN && e.to() == BreakerState.OPEN);
    }

    /** Returns how many permits each generation granted to this worker. */
    private static Map<Long, Integer> work(CircuitBreaker breaker, FakeTicker ticker, Upstream upstream,
            SplittableRandom random, CountDownLatch start) throws InterruptedException {
        final Map<Long, Integer> grants = new HashMap<>();
        final long[] inFlight = new long[IN_FLIGHT];
        Arrays.fill(inFlight, -1);
        start.await();
        for (int i = 0; i < CALLS_PER_WORKER; i++) {
            final long now = ticker.advance(Duration.ofNanos(upstream.stepNanos));
            final int slot = random.nextInt(IN_FLIGHT);
            final long held = inFlight[slot];
            if (held >= 0) {
                if (random.nextInt(10) < upstream.failuresInTen(now)) {
                    breaker.onFailure(held, 1);
                } else {
                    breaker.onSuccess(held, 1);
                }
                inFlight[slot] = -1;
            } else {
                final long permit = breaker.tryAcquire();
                if (CircuitBreaker.isPermitted(permit)) {
                    grants.merge(permit, 1, Integer::sum);
                    inFlight[slot] = permit;
                }
            }
        }
        return grants;
    }

    private static boolean allDone(List<? extends Future<?>> futures) {
        return futures.stream().allMatch(Future::isDone);
    }

    /** The clock step per call, and an upstream that fails 1 or 9 calls in 10 in alternating phases. */
    private record Upstream(long stepNanos, long phaseNanos) {
        int failuresInTen(long now) {
            return (now / phaseNanos) % 2 == 0 ? 1 : 9;
        }
    }

    private record Event(BreakerState from, BreakerState to, long generation) {
    }
}
