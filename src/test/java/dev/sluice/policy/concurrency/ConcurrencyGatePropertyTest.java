package dev.sluice.policy.concurrency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.concurrency.ConcurrencyGate.Admission;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The gate's single-threaded semantics against a plain model (a counter and a FIFO list with deadlines), over
 * arbitrary sequences of tryAcquire, acquire, release, cancel and the passing of time, on an {@link EmbeddedChannel}
 * event loop whose tasks run after every step.
 *
 * <p>Each operation is one int: {@code op % 6} picks the kind, {@code op / 6} (0..9) is its argument.
 */
class ConcurrencyGatePropertyTest {
    private static final long TIMEOUT_MS = 5;

    @Property
    void anySequence_matchesFifoModelWithinLimitAndQueueBounds(
            @ForAll @Size(max = 80) List<@IntRange(min = 0, max = 59) Integer> ops,
            @ForAll @IntRange(min = 1, max = 4) int limit,
            @ForAll @IntRange(min = 0, max = 4) int maxQueued) {
        final EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        final List<String> log = new ArrayList<>();
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(limit), maxQueued,
                Duration.ofMillis(TIMEOUT_MS));
        final Model model = new Model(limit, maxQueued);
        final List<RecordingWaiter> waiters = new ArrayList<>();

        for (final int op : ops) {
            final int arg = op / 6;
            switch (op % 6) {
                case 0 -> assertThat(gate.tryAcquire()).isEqualTo(model.tryAcquire());
                case 1 -> {
                    final RecordingWaiter w = new RecordingWaiter("w" + waiters.size(), channel.eventLoop(), log);
                    waiters.add(w);
                    assertThat(gate.acquire(w)).isEqualTo(model.acquire(w.name));
                }
                case 2 -> assertThat(gate.release(1_000, false)).isEqualTo(model.release());
                case 3 -> {
                    if (!waiters.isEmpty()) {
                        final RecordingWaiter w = waiters.get(arg % waiters.size());
                        assertThat(gate.cancel(w)).isEqualTo(model.cancel(w.name));
                    }
                }
                case 4 -> {
                    channel.advanceTimeBy(arg + 1, TimeUnit.MILLISECONDS);
                    model.advance(arg + 1);
                }
                default -> assertThat(gate.release()).isEqualTo(model.release());
            }
            channel.runPendingTasks();
            channel.checkException();

            final GateSnapshot s = gate.snapshot();
            assertThat(log).isEqualTo(model.log);
            assertThat(s.inFlight()).isEqualTo(model.held).isLessThanOrEqualTo(limit);
            assertThat(s.queued()).isEqualTo(model.queue.size()).isLessThanOrEqualTo(maxQueued);
        }
        assertThat(waiters).allMatch(w -> w.outcomes() <= 1);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    /** The specification: admissions at once only with nobody waiting, hand-overs to the oldest, timeouts in order. */
    private static final class Model {
        final int limit;
        final int maxQueued;
        final List<Entry> queue = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        int held;
        long nowMs;

        record Entry(String name, long deadlineMs) {}

        Model(int limit, int maxQueued) {
            this.limit = limit;
            this.maxQueued = maxQueued;
        }

        boolean tryAcquire() {
            if (queue.isEmpty() && held < limit) {
                held++;
                return true;
            }
            return false;
        }

        Admission acquire(String name) {
            if (tryAcquire()) {
                return Admission.ADMITTED;
            }
            if (queue.size() < maxQueued) {
                queue.add(new Entry(name, nowMs + TIMEOUT_MS));
                return Admission.QUEUED;
            }
            return Admission.REJECTED;
        }

        boolean release() {
            if (held == 0) {
                return false;
            }
            held--;
            while (!queue.isEmpty() && held < limit) {
                held++;
                log.add("admitted " + queue.remove(0).name);
            }
            return true;
        }

        boolean cancel(String name) {
            return queue.removeIf(e -> e.name.equals(name));
        }

        void advance(long ms) {
            nowMs += ms;
            while (!queue.isEmpty() && queue.get(0).deadlineMs <= nowMs) {
                log.add("timed out " + queue.remove(0).name);
            }
        }
    }
}
