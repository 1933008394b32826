package dev.sluice.policy.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.sluice.policy.concurrency.ConcurrencyGate.Admission;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gate's single-threaded semantics on an {@link EmbeddedChannel}'s event loop, whose time is frozen and moved by
 * the test: callbacks run when the test runs the loop's pending tasks.
 */
class ConcurrencyGateTest {
    private static final Duration TIMEOUT = Duration.ofMillis(50);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final EventExecutor loop = channel.eventLoop();
    private final List<String> log = new ArrayList<>();

    ConcurrencyGateTest() {
        channel.freezeTime();
    }

    @AfterEach
    void tearDown() {
        channel.checkException();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void tryAcquire_atLimit_refusesUntilRelease() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(3), 0, Duration.ZERO);

        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.tryAcquire()).isFalse();
        assertThat(gate.release(1_000, false)).isTrue();

        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.snapshot()).isEqualTo(new GateSnapshot(3, 3, 0, 4, 0, 1, 0, 0));
    }

    @Test
    void acquire_fullWithoutQueue_rejects() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 0, Duration.ZERO);

        assertThat(gate.acquire(waiter("a"))).isEqualTo(Admission.ADMITTED);
        assertThat(gate.acquire(waiter("b"))).isEqualTo(Admission.REJECTED);

        assertThat(gate.snapshot().rejectedTotal()).isEqualTo(1);
    }

    @Test
    void acquire_queueFull_rejects() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 2, TIMEOUT);
        gate.tryAcquire();

        assertThat(gate.acquire(waiter("a"))).isEqualTo(Admission.QUEUED);
        assertThat(gate.acquire(waiter("b"))).isEqualTo(Admission.QUEUED);
        assertThat(gate.acquire(waiter("c"))).isEqualTo(Admission.REJECTED);

        assertThat(gate.snapshot()).isEqualTo(new GateSnapshot(1, 1, 2, 1, 2, 1, 0, 0));
    }

    @Test
    void release_withWaiters_handsSlotsOverInFifoOrderOnTheirLoop() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(2), 3, TIMEOUT);
        gate.tryAcquire();
        gate.tryAcquire();
        final RecordingWaiter a = waiter("a");
        final RecordingWaiter b = waiter("b");
        final RecordingWaiter c = waiter("c");
        gate.acquire(a);
        gate.acquire(b);
        gate.acquire(c);

        gate.release(1_000, false);
        gate.release(1_000, false);
        assertThat(log).as("callbacks wait for the waiter's loop").isEmpty();
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted a", "admitted b");
        assertThat(gate.snapshot().inFlight()).isEqualTo(2);
        assertThat(gate.snapshot().queued()).isEqualTo(1);
    }

    @Test
    void release_handOver_keepsSlotFromNewcomers() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        gate.acquire(waiter("a"));

        gate.release(1_000, false);

        assertThat(gate.tryAcquire()).as("the slot is on its way to a").isFalse();
        channel.runPendingTasks();
        assertThat(log).containsExactly("admitted a");
        assertThat(gate.snapshot().inFlight()).isEqualTo(1);
    }

    @Test
    void acquire_slotFreeButOthersWaiting_queuesBehindThemAndServesTheOldest() {
        final MutableLimit limit = new MutableLimit(1);
        final ConcurrencyGate gate = new ConcurrencyGate(limit, 2, TIMEOUT);
        gate.tryAcquire();
        gate.acquire(waiter("a"));
        limit.value = 2;

        assertThat(gate.tryAcquire()).isFalse();
        assertThat(gate.acquire(waiter("b"))).isEqualTo(Admission.QUEUED);
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted a");
    }

    @Test
    void acquire_notServedInTime_timesOutOnItsLoop() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        final RecordingWaiter a = waiter("a");
        gate.acquire(a);

        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
        assertThat(log).isEmpty();
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(log).containsExactly("timed out a");
        assertThat(gate.snapshot()).isEqualTo(new GateSnapshot(1, 1, 0, 1, 1, 0, 1, 0));
    }

    @Test
    void release_afterWaiterTimedOut_returnsSlotToPool() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        gate.acquire(waiter("a"));
        channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        gate.release(1_000, false);
        channel.runPendingTasks();

        assertThat(log).containsExactly("timed out a");
        assertThat(gate.snapshot().inFlight()).isZero();
        assertThat(gate.tryAcquire()).isTrue();
    }

    @Test
    void admitted_beforeTimeout_isNotTimedOutLater() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        gate.acquire(waiter("a"));
        gate.release(1_000, false);
        channel.runPendingTasks();

        channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted a");
        assertThat(gate.snapshot().timedOutTotal()).isZero();
    }

    @Test
    void cancel_whileWaiting_returnsTrueAndSlotSkipsToNextWaiter() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 2, TIMEOUT);
        gate.tryAcquire();
        final RecordingWaiter a = waiter("a");
        gate.acquire(a);
        gate.acquire(waiter("b"));

        assertThat(gate.cancel(a)).isTrue();
        gate.release(1_000, false);
        channel.advanceTimeBy(TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted b");
        assertThat(gate.snapshot()).isEqualTo(new GateSnapshot(1, 1, 0, 2, 2, 0, 0, 1));
    }

    @Test
    void cancel_afterHandOverBeforeDelivery_returnsFalseAndCallbackFollows() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        final RecordingWaiter a = waiter("a");
        gate.acquire(a);
        gate.release(1_000, false);

        assertThat(gate.cancel(a)).isFalse();
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted a");
    }

    @Test
    void cancel_afterTimeout_returnsFalse() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);
        gate.tryAcquire();
        final RecordingWaiter a = waiter("a");
        gate.acquire(a);
        channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runPendingTasks();

        assertThat(gate.cancel(a)).isFalse();
    }

    @Test
    void cancel_neverQueued_returnsFalse() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, TIMEOUT);

        assertThat(gate.cancel(waiter("a"))).isFalse();
    }

    @Test
    void releaseWithoutSample_unwantedHandOver_returnsSlotAndFeedsNoSample() {
        final MutableLimit limit = new MutableLimit(1);
        final ConcurrencyGate gate = new ConcurrencyGate(limit, 1, TIMEOUT);
        gate.tryAcquire();
        gate.acquire(new RecordingWaiter("a", loop, log, () -> gate.release()));

        gate.release(7_000, true);
        channel.runPendingTasks();

        assertThat(log).containsExactly("admitted a");
        assertThat(gate.snapshot().inFlight()).isZero();
        assertThat(limit.samples).containsExactly("7000ns in-flight 1 dropped");
    }

    @Test
    void release_nothingHeld_returnsFalseAndStaysAtZero() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 0, Duration.ZERO);

        assertThat(gate.release(1_000, false)).isFalse();
        assertThat(gate.release()).isFalse();

        assertThat(gate.snapshot().inFlight()).isZero();
        assertThat(gate.tryAcquire()).isTrue();
        assertThat(gate.tryAcquire()).isFalse();
    }

    @Test
    void tryAcquire_limitLowered_refusesUntilInFlightFallsBelowIt() {
        final MutableLimit limit = new MutableLimit(3);
        final ConcurrencyGate gate = new ConcurrencyGate(limit, 0, Duration.ZERO);
        gate.tryAcquire();
        gate.tryAcquire();
        gate.tryAcquire();
        limit.value = 1;

        gate.release(1_000, false);
        assertThat(gate.tryAcquire()).isFalse();
        gate.release(1_000, false);
        assertThat(gate.tryAcquire()).isFalse();
        gate.release(1_000, false);

        assertThat(gate.tryAcquire()).isTrue();
    }

    @Test
    void constructor_invalidArguments_rejectedWithValueAndExpectation() {
        final StaticLimit limit = new StaticLimit(1);
        assertThatIllegalArgumentException().isThrownBy(() -> new ConcurrencyGate(limit, -1, TIMEOUT))
                .withMessage("maxQueued: -1 (expected: >= 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> new ConcurrencyGate(limit, 1, Duration.ZERO))
                .withMessage("queueTimeout: PT0S (expected: > 0 when maxQueued > 0)");
        assertThatIllegalArgumentException().isThrownBy(() -> new StaticLimit(0))
                .withMessage("max: 0 (expected: >= 1)");
    }

    private RecordingWaiter waiter(String name) {
        return new RecordingWaiter(name, loop, log);
    }

    /** A limit the test sets directly, recording the samples it is fed. */
    static final class MutableLimit implements ConcurrencyLimit {
        volatile int value;
        final List<String> samples = new ArrayList<>();

        MutableLimit(int value) {
            this.value = value;
        }

        @Override
        public int limit() {
            return value;
        }

        @Override
        public void onSample(long rttNanos, int inFlight, boolean dropped) {
            samples.add(rttNanos + "ns in-flight " + inFlight + (dropped ? " dropped" : ""));
        }
    }
}
