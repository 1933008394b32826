package dev.sluice.policy.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.policy.concurrency.ConcurrencyGate.Admission;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several threads acquire, release and cancel on one small gate while waiters are served (and time out) on two event
 * loops: no slot is ever lost or duplicated, and every waiter gets exactly one outcome.
 *
 * <p>Bounded: four worker threads of {@link #ATTEMPTS} attempts each; a quarter of the slots are held for up to 2 ms
 * by a timer, so that the queue fills and, with a 1 ms queue timeout, timeouts race with hand-overs and cancels.
 */
class ConcurrencyGateStressTest {
    private static final int LIMIT = 4;
    private static final int MAX_QUEUED = 8;
    private static final int WORKERS = 4;
    private static final int ATTEMPTS = 5_000;
    private static final int RACES = 5_000;

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    private final ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    private volatile ConcurrencyGate gate;
    /** Slots held right now, by the holders' own count: must never exceed the limit. */
    private final AtomicInteger holders = new AtomicInteger();
    private final AtomicInteger maxHolders = new AtomicInteger();
    private final AtomicBoolean inFlightAboveLimit = new AtomicBoolean();
    private final ConcurrentLinkedQueue<StressWaiter> queuedWaiters = new ConcurrentLinkedQueue<>();
    private final LongAdder admittedAtOnce = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final AtomicInteger failedReleases = new AtomicInteger();

    @AfterEach
    void tearDown() throws InterruptedException {
        workers.shutdownNow();
        assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void gate_racingAcquireReleaseCancelTimeout_neverAboveLimitEndsAtZeroOneOutcomeEach() throws Exception {
        final GateSnapshot end = run(Duration.ofMillis(1));

        assertThat(end.timedOutTotal()).as("timeouts raced with the rest").isPositive();
        assertThat(end.cancelledTotal()).as("cancels raced with the rest").isPositive();
    }

    @Test
    void gate_racingAcquireReleaseCancelWithoutTimeouts_servesEveryWaiterNotCancelled() throws Exception {
        // No timeout masks a lost wake-up here: a slot freed while a waiter enqueued, seen by neither, would leave
        // that waiter queued for a minute with the gate idle, and run() would fail waiting for its outcome.
        final GateSnapshot end = run(Duration.ofMinutes(1));

        assertThat(end.timedOutTotal()).isZero();
        assertThat(end.cancelledTotal()).as("cancels raced with the rest").isPositive();
        assertThat(queuedWaiters).allMatch(w -> w.cancelled || w.admitted.get() == 1);
    }

    @Test
    void releaseRacingEnqueue_noFurtherTraffic_slotReachesTheWaiter() throws Exception {
        // One release against one enqueue, many times: whichever order they interleave in, once both have returned the
        // slot is either taken at once or already handed to the waiter, never left free beside a waiting waiter.
        final EventLoop loop = group.next();
        final CyclicBarrier barrier = new CyclicBarrier(2);
        for (int i = 0; i < RACES; i++) {
            gate = new ConcurrencyGate(new StaticLimit(1), 1, Duration.ofMinutes(1));
            gate.tryAcquire();
            final Future<?> releaser = workers.submit(() -> {
                barrier.await();
                return gate.release(1_000, false);
            });
            final RecordingWaiter waiter = new RecordingWaiter("w" + i, loop);
            final Future<Admission> enqueuer = workers.submit(() -> {
                barrier.await();
                return gate.acquire(waiter);
            });
            releaser.get(10, TimeUnit.SECONDS);
            enqueuer.get(10, TimeUnit.SECONDS);

            assertThat(gate.snapshot().inFlight()).as("race %d", i).isEqualTo(1);
            assertThat(gate.snapshot().queued()).as("race %d", i).isZero();
        }
    }

    /** Runs the workload on a fresh gate, checks the invariants common to every run, and returns the final figures. */
    private GateSnapshot run(Duration queueTimeout) throws Exception {
        gate = new ConcurrencyGate(new StaticLimit(LIMIT), MAX_QUEUED, queueTimeout);
        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < WORKERS; t++) {
            done.add(workers.submit(() -> {
                start.await();
                for (int i = 0; i < ATTEMPTS; i++) {
                    attempt(i);
                }
                return null;
            }));
        }
        start.countDown();
        for (final Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }

        await().atMost(Duration.ofSeconds(10)).until(() -> gate.snapshot().inFlight() == 0
                && queuedWaiters.stream().allMatch(w -> w.outcomes() + (w.cancelled ? 1 : 0) > 0));
        final GateSnapshot end = gate.snapshot();
        assertThat(end.inFlight()).isZero();
        assertThat(end.queued()).isZero();
        assertThat(inFlightAboveLimit).isFalse();
        assertThat(failedReleases.get()).as("releases without a slot").isZero();
        assertThat(maxHolders.get()).isBetween(1, LIMIT);
        long admittedLater = 0;
        long timedOut = 0;
        for (final StressWaiter w : queuedWaiters) {
            assertThat(w.outcomes() + (w.cancelled ? 1 : 0)).as("outcomes of %s", w).isEqualTo(1);
            assertThat(w.offLoopCallbacks.get()).isZero();
            admittedLater += w.admitted.get();
            timedOut += w.timedOut.get();
        }
        assertThat(end.admittedTotal()).isEqualTo(admittedAtOnce.sum() + admittedLater);
        assertThat(end.queuedTotal()).isEqualTo(queuedWaiters.size());
        assertThat(end.rejectedTotal()).isEqualTo(rejected.sum());
        assertThat(end.timedOutTotal()).isEqualTo(timedOut);
        assertThat(end.cancelledTotal()).isEqualTo(cancelled.sum());
        assertThat(admittedAtOnce.sum() + rejected.sum() + queuedWaiters.size()).isEqualTo((long) WORKERS * ATTEMPTS);
        return end;
    }

    private void attempt(int i) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final EventLoop loop = group.next();
        final StressWaiter waiter = new StressWaiter("w" + Thread.currentThread().getId() + "-" + i, loop);
        final Admission admission = gate.acquire(waiter);
        switch (admission) {
            case ADMITTED -> {
                admittedAtOnce.increment();
                hold(loop);
            }
            case QUEUED -> {
                queuedWaiters.add(waiter);
                if (random.nextInt(3) == 0) {
                    spin(random.nextInt(2_000));
                    if (gate.cancel(waiter)) {
                        waiter.cancelled = true;
                        cancelled.increment();
                    }
                }
            }
            case REJECTED -> rejected.increment();
        }
        checkInFlight();
    }

    /**
     * Holds a slot, counting holders, and releases it: after a few spins, or (one time in four) from a timer of
     * {@code loop} up to 2 ms later, long enough for queued waiters to time out meanwhile.
     */
    private void hold(EventLoop loop) {
        maxHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
        checkInFlight();
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        if (random.nextInt(4) == 0) {
            loop.schedule(this::release, random.nextInt(2_000), TimeUnit.MICROSECONDS);
        } else {
            spin(random.nextInt(200));
            release();
        }
    }

    private void release() {
        holders.decrementAndGet();
        if (!gate.release(1_000, false)) {
            failedReleases.incrementAndGet();
        }
    }

    private void checkInFlight() {
        if (gate.snapshot().inFlight() > LIMIT) {
            inFlightAboveLimit.set(true);
        }
    }

    private static void spin(int n) {
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }

    /** Holds a delivered slot on its loop, or gives it back at once as an abandoned request would. */
    private final class StressWaiter extends RecordingWaiter {
        volatile boolean cancelled;

        StressWaiter(String name, EventLoop loop) {
            super(name, loop);
        }

        @Override
        public void onAdmitted() {
            super.onAdmitted();
            if (ThreadLocalRandom.current().nextBoolean()) {
                hold((EventLoop) eventLoop());
            } else if (!gate.release()) {
                failedReleases.incrementAndGet();
            }
        }
    }
}
