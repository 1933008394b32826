package dev.sluice.policy.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.policy.concurrency.ConcurrencyGate.Admission;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hand-overs and timeouts across threads, on real Netty event loops. */
class ConcurrencyGateIntegrationTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, LocalIoHandler.newFactory());
    private final EventLoop loop1 = group.next();
    private final EventLoop loop2 = group.next();
    private final List<String> log = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void release_onAnotherThread_admitsWaitersInFifoOrderEachOnItsOwnLoop() {
        assertThat(loop1).isNotSameAs(loop2);
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 3, Duration.ofSeconds(30));
        assertThat(gate.tryAcquire()).isTrue();
        final RecordingWaiter a = new RecordingWaiter("a", loop1, log);
        final RecordingWaiter b = new RecordingWaiter("b", loop2, log);
        final RecordingWaiter c = new RecordingWaiter("c", loop1, log);
        // Each waiter enqueues from its own loop, as a request would.
        for (final RecordingWaiter w : List.of(a, b, c)) {
            assertThat(w.eventLoop().submit(() -> gate.acquire(w)).syncUninterruptibly().getNow())
                    .isEqualTo(Admission.QUEUED);
        }

        for (final RecordingWaiter w : List.of(a, b, c)) {
            gate.release(1_000, false);
            await().atMost(Duration.ofSeconds(5)).until(() -> w.admitted.get() == 1);
        }

        assertThat(log).containsExactly("admitted a", "admitted b", "admitted c");
        assertThat(a.offLoopCallbacks.get() + b.offLoopCallbacks.get() + c.offLoopCallbacks.get()).isZero();
        assertThat(gate.snapshot().inFlight()).isEqualTo(1);
    }

    @Test
    void acquire_notServed_timesOutOnItsOwnLoop() {
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, Duration.ofMillis(20));
        gate.tryAcquire();
        final RecordingWaiter a = new RecordingWaiter("a", loop1, log);

        assertThat(gate.acquire(a)).isEqualTo(Admission.QUEUED);

        await().atMost(Duration.ofSeconds(5)).until(() -> a.timedOut.get() == 1);
        assertThat(a.offLoopCallbacks.get()).isZero();
        assertThat(gate.snapshot().queued()).isZero();
        assertThat(gate.cancel(a)).isFalse();
    }

    @Test
    void handOver_waiterLoopShutDown_slotGoesToNextWaiter() {
        final DefaultEventLoop doomed = new DefaultEventLoop();
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 2, Duration.ofSeconds(30));
        gate.tryAcquire();
        final RecordingWaiter gone = new RecordingWaiter("gone", doomed, log);
        final RecordingWaiter b = new RecordingWaiter("b", loop1, log);
        gate.acquire(gone);
        gate.acquire(b);
        doomed.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();

        gate.release(1_000, false);

        await().atMost(Duration.ofSeconds(5)).until(() -> b.admitted.get() == 1);
        assertThat(log).containsExactly("admitted b");
        assertThat(gate.snapshot().inFlight()).isEqualTo(1);
        assertThat(gate.snapshot().queued()).isZero();
    }

    @Test
    void acquire_waiterLoopShutDown_rejectsWithoutQueueing() {
        final DefaultEventLoop doomed = new DefaultEventLoop();
        doomed.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        final ConcurrencyGate gate = new ConcurrencyGate(new StaticLimit(1), 1, Duration.ofSeconds(30));
        gate.tryAcquire();

        assertThat(gate.acquire(new RecordingWaiter("gone", doomed, log))).isEqualTo(Admission.REJECTED);

        assertThat(gate.snapshot().queued()).isZero();
        assertThat(gate.snapshot().rejectedTotal()).isEqualTo(1);
    }
}
