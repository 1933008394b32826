package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several threads reporting at once, as event loops do: an ejection must happen exactly once per endpoint (a lost
 * CAS would eject twice or tell the listener twice) and never beyond the cap (a check-then-act race would).
 *
 * <p>Each round has fresh endpoints and a fresh detector, and its threads start together at a barrier and cross the
 * threshold within a few reports of each other, so the race this guards against is run a thousand times per test.
 * The clock is frozen, so no ejection ends mid-test.
 */
class OutlierDetectorStressTest {
    private static final int THREADS = 4;
    private static final int ROUNDS = 1_000;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    private final FakeTicker ticker = new FakeTicker(1_000_000_000_000L);
    private final FakeScheduler scheduler = new FakeScheduler(ticker);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void onFailure_threadsFailOneEndpointTogether_ejectsExactlyOnce() throws Exception {
        final List<Round> rounds = rounds(1, 100);

        // Each thread reports 5 failures: the threshold is crossed by whichever report is the 5th overall.
        runRounds(rounds, (round, thread) -> {
            for (int i = 0; i < 5; i++) {
                round.detector.onFailure(round.endpoints.get(0), ticker.nanoTime());
            }
        });

        for (Round round : rounds) {
            assertThat(round.endpoints.get(0).health().ejectionCount()).isEqualTo(1);
            assertThat(round.listener.changes()).hasSize(1);
            assertThat(round.detector.ejectedCount()).isEqualTo(1);
        }
        assertThat(scheduler.pending()).isEqualTo(ROUNDS); // one readmission timer per ejection
    }

    @Test
    void onFailure_threadsFailEndpointsTogetherAtCapOfOne_ejectsExactlyOne() throws Exception {
        final List<Round> rounds = rounds(THREADS, 100 / THREADS); // floor(4 * 25 / 100) = 1

        runRounds(rounds, (round, thread) -> {
            for (int i = 0; i < 5; i++) {
                round.detector.onFailure(round.endpoints.get(thread), ticker.nanoTime());
            }
        });

        for (Round round : rounds) {
            final IntPredicate ejected = i -> round.endpoints.get(i).health().isEjected(ticker.nanoTime());
            assertThat(IntStream.range(0, THREADS).filter(ejected).count()).isEqualTo(1);
            assertThat(round.listener.changes()).hasSize(1);
            assertThat(round.detector.ejectedCount()).isEqualTo(1);
        }
    }

    private List<Round> rounds(int endpointsPerRound, int maxEjectionPercent) {
        final OutlierSettings settings = OutlierSettings.builder().maxEjectionPercent(maxEjectionPercent).build();
        final List<Round> rounds = new ArrayList<>();
        for (int r = 0; r < ROUNDS; r++) {
            final List<Endpoint> endpoints = new ArrayList<>();
            for (int i = 0; i < endpointsPerRound; i++) {
                endpoints.add(new Endpoint("10.0." + r / 250 + "." + (r % 250 + 1), 8080 + i, 1));
            }
            final RecordingListener listener = new RecordingListener();
            rounds.add(new Round(endpoints, new OutlierDetector(settings, endpoints, scheduler, ticker, listener),
                    listener));
        }
        return rounds;
    }

    /** Runs {@code work} for every round on THREADS threads, which start each round together. */
    private void runRounds(List<Round> rounds, Work work) throws Exception {
        final CyclicBarrier barrier = new CyclicBarrier(THREADS);
        final List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            final int thread = t;
            futures.add(pool.submit(() -> {
                for (Round round : rounds) {
                    barrier.await(10, TimeUnit.SECONDS);
                    work.run(round, thread);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    private record Round(List<Endpoint> endpoints, OutlierDetector detector, RecordingListener listener) {
    }

    @FunctionalInterface
    private interface Work {
        void run(Round round, int thread);
    }
}
