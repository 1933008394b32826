package dev.sluice.policy.concurrency;

import io.netty.util.concurrent.EventExecutor;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A waiter that records its callbacks, where they ran, and, if given a shared log, the order across waiters. */
class RecordingWaiter implements ConcurrencyGate.Waiter {
    final String name;
    final AtomicInteger admitted = new AtomicInteger();
    final AtomicInteger timedOut = new AtomicInteger();
    final AtomicInteger offLoopCallbacks = new AtomicInteger();
    private final EventExecutor loop;
    private final List<String> log;
    private final Runnable onAdmittedAction;

    RecordingWaiter(String name, EventExecutor loop) {
        this(name, loop, new CopyOnWriteArrayList<>(), () -> { });
    }

    RecordingWaiter(String name, EventExecutor loop, List<String> log) {
        this(name, loop, log, () -> { });
    }

    RecordingWaiter(String name, EventExecutor loop, List<String> log, Runnable onAdmittedAction) {
        this.name = name;
        this.loop = loop;
        this.log = log;
        this.onAdmittedAction = onAdmittedAction;
    }

    @Override
    public EventExecutor eventLoop() {
        return loop;
    }

    @Override
    public void onAdmitted() {
        check();
        admitted.incrementAndGet();
        log.add("admitted " + name);
        onAdmittedAction.run();
    }

    @Override
    public void onTimedOut() {
        check();
        timedOut.incrementAndGet();
        log.add("timed out " + name);
    }

    int outcomes() {
        return admitted.get() + timedOut.get();
    }

    private void check() {
        if (!loop.inEventLoop()) {
            offLoopCallbacks.incrementAndGet();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
