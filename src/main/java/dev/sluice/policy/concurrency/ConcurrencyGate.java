package dev.sluice.policy.concurrency;

import static java.util.Objects.requireNonNull;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/*
 * Threading: lock-free, shared by every event loop. The in-flight and waiting counts are ints changed by CAS loops
 * (never by getAndIncrement, which would overshoot the limit transiently); waiters sit in a ConcurrentLinkedQueue.
 * Callbacks run only on the waiter's own event loop: a hand-over is execute()d there, a timeout is scheduled there.
 * No thread ever waits for another: a thread that cannot take a slot returns, and whoever frees one serves the queue.
 *
 * Ownership: a slot belongs to whoever took it with a successful CAS of inFlight: a request admitted at once, or a
 * thread in drain() that is handing it to a waiter. A hand-over moves it to the waiter's node (state ADMITTED) and
 * then to the waiter (DELIVERED, when onAdmitted() runs). release() gives it back. A slot whose hand-over cannot be
 * delivered (the waiter's loop has shut down) is given back by the thread that found out.
 *
 * Invariants:
 *   0 <= inFlight <= limit.limit() at the moment of every CAS that raises it (a falling adaptive limit leaves the
 *   count above the new limit until enough requests end: no slot is revoked).
 *   0 <= waiting <= maxQueued; waiting counts nodes in state WAITING, including one being enqueued.
 *   A node leaves WAITING exactly once, by CAS, to ADMITTED (a slot reached it), TIMED_OUT or CANCELLED; the thread
 *   whose CAS won does the side effects (decrement waiting, count, callback or hand-over); every other thread skips.
 *   Every node gets exactly one outcome: onAdmitted, onTimedOut, or a successful cancel (which has no callback);
 *   a node whose event loop has shut down gets none, since nothing can run there any more.
 *
 * Algorithm: release() and a queued acquire() both end in drain():
 *   while the queue is not empty: take a slot (CAS, under the limit) or return; poll until a node wins
 *   WAITING -> ADMITTED and hand the slot to it, or, if none is left, give the slot back and look again.
 * A slot freed while a waiter enqueues cannot be lost: the releaser writes inFlight then reads the queue, the
 * enqueuer writes the queue then reads inFlight (both sequentially consistent), so at least one of them sees the
 * other's write and serves the waiter, as in Dekker's mutual exclusion. The drainer that gives a slot back looks at
 * the queue again for the same reason. Admissions at once (tryAcquire, acquire) require that nobody is waiting, so a
 * newcomer never overtakes the queue, which is FIFO among the waiters still waiting.
 *
 * Dead nodes (timed out, cancelled) are unlinked by the thread that killed them (timeouts are oldest-first, so near
 * the head; a cancel unlinks through the iterator that found it), and skipped by drain() if it gets there first.
 *
 * References:
 * [1] D. Lea, "The java.util.concurrent Synchronizer Framework", Science of Computer Programming 58(3), 2005:
 *     release-then-signal and the barging vs. fairness trade-off.
 * [2] E. W. Dijkstra, "Cooperating sequential processes" (1965), Dekker's algorithm.
 */

/**
 * Admission control for one concurrency limit: at most {@link ConcurrencyLimit#limit()} requests in flight, and
 * optionally a bounded FIFO queue of waiters with a timeout. Shared by all event loops; never blocks.
 *
 * <p>Every admission ({@link #tryAcquire()} true, {@link Admission#ADMITTED}, or a delivered
 * {@link Waiter#onAdmitted()}) must be paired with exactly one {@code release} when the exchange ends.
 *
 * <pre>{@code
 * switch (gate.acquire(waiter)) {
 *     case ADMITTED -> proceed();                 // later: gate.release(rttNanos, dropped)
 *     case QUEUED -> { }                          // waiter.onAdmitted() or onTimedOut() follows on its event loop
 *     case REJECTED -> answer503WithRetryAfter();
 * }
 * }</pre>
 */
public final class ConcurrencyGate {
    private static final VarHandle IN_FLIGHT;
    private static final VarHandle WAITING;
    private static final VarHandle NODE_STATE;

    private static final int STATE_WAITING = 0;
    /** A slot reached the node; its hand-over task is on the waiter's event loop. */
    private static final int STATE_ADMITTED = 1;
    /** onAdmitted() has been called: the waiter holds the slot. */
    private static final int STATE_DELIVERED = 2;
    private static final int STATE_TIMED_OUT = 3;
    private static final int STATE_CANCELLED = 4;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            IN_FLIGHT = lookup.findVarHandle(ConcurrencyGate.class, "inFlight", int.class);
            WAITING = lookup.findVarHandle(ConcurrencyGate.class, "waiting", int.class);
            NODE_STATE = lookup.findVarHandle(Node.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConcurrencyLimit limit;
    private final int maxQueued;
    private final long queueTimeoutNanos;
    private final ConcurrentLinkedQueue<Node> queue = new ConcurrentLinkedQueue<>();
    private final LongAdder admitted = new LongAdder();
    private final LongAdder queued = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder timedOut = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    @SuppressWarnings("unused") // accessed through IN_FLIGHT
    private volatile int inFlight;
    @SuppressWarnings("unused") // accessed through WAITING
    private volatile int waiting;

    /**
     * Creates a gate under {@code limit}. With {@code maxQueued} 0 a full gate rejects at once; otherwise up to
     * {@code maxQueued} requests wait, each at most {@code queueTimeout}.
     */
    public ConcurrencyGate(ConcurrencyLimit limit, int maxQueued, Duration queueTimeout) {
        this.limit = requireNonNull(limit, "limit");
        requireNonNull(queueTimeout, "queueTimeout");
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued: " + maxQueued + " (expected: >= 0)");
        }
        if (maxQueued > 0 && (queueTimeout.isNegative() || queueTimeout.isZero())) {
            throw new IllegalArgumentException("queueTimeout: " + queueTimeout + " (expected: > 0 when maxQueued > 0)");
        }
        this.maxQueued = maxQueued;
        this.queueTimeoutNanos = queueTimeout.toNanos();
    }

    /**
     * Takes a slot if one is free and nobody is waiting for one; returns whether it did. Allocation-free. A refusal
     * counts as a rejection, so a caller with a queue should call {@link #acquire} instead, not both.
     */
    public boolean tryAcquire() {
        if (admitNow()) {
            return true;
        }
        rejected.increment();
        return false;
    }

    /**
     * Takes a slot now, or queues {@code waiter} for one, or rejects. After {@link Admission#QUEUED} exactly one of
     * {@link Waiter#onAdmitted()} and {@link Waiter#onTimedOut()} follows on the waiter's event loop, unless
     * {@link #cancel} returns true first. A waiter must not be queued twice at once on one gate.
     */
    public Admission acquire(Waiter waiter) {
        requireNonNull(waiter, "waiter");
        if (admitNow()) {
            return Admission.ADMITTED;
        }
        if (!reserveWaitingSpot()) {
            rejected.increment();
            return Admission.REJECTED;
        }
        final Node node = new Node(waiter);
        try {
            // Scheduled before the node is visible, so that whoever finds the node also finds its timer.
            node.timer = waiter.eventLoop().schedule(node, queueTimeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The waiter's loop is shutting down and could never be told anything: do not queue it.
            WAITING.getAndAdd(this, -1);
            rejected.increment();
            return Admission.REJECTED;
        }
        queued.increment();
        queue.offer(node);
        drain(); // a slot may have been freed since admitNow() failed
        return Admission.QUEUED;
    }

    /**
     * Withdraws {@code waiter} from the queue; returns true if it was still waiting, and then it gets no callback.
     * False means its outcome was already decided: its callback has run or is on its way to its event loop (called
     * from that loop, it has run), or it was not queued here. Call it only after {@link #acquire} returned
     * {@link Admission#QUEUED}. Costs a scan of the queue.
     */
    public boolean cancel(Waiter waiter) {
        requireNonNull(waiter, "waiter");
        for (final Iterator<Node> it = queue.iterator(); it.hasNext();) {
            final Node node = it.next();
            if (node.waiter == waiter && node.leaveWaiting(STATE_CANCELLED)) {
                it.remove();
                node.cancelTimer();
                cancelled.increment();
                return true;
            }
        }
        return false;
    }

    /**
     * Gives back a slot at the end of a request sent upstream, hands it to the oldest waiter if any, and feeds the
     * limit's sample. Returns false, changing nothing, if no slot was held (a caller bug).
     *
     * @param rttNanos from sending the request upstream to its response head
     * @param dropped  the request timed out or the upstream answered overload (503, 504, connect failure)
     */
    public boolean release(long rttNanos, boolean dropped) {
        final int before = returnSlot();
        if (before == 0) {
            return false;
        }
        limit.onSample(rttNanos, before, dropped);
        drain();
        return true;
    }

    /**
     * Gives back a slot that carried no upstream request (for instance a hand-over that arrived after the client
     * left, or a request that failed before it was sent), so that the limit learns nothing from it. Returns false,
     * changing nothing, if no slot was held.
     */
    public boolean release() {
        if (returnSlot() == 0) {
            return false;
        }
        drain();
        return true;
    }

    /** Returns whether requests that find the gate full may wait (a queue is configured). */
    public boolean hasQueue() {
        return maxQueued > 0;
    }

    /** Returns the gate's current figures. */
    public GateSnapshot snapshot() {
        return new GateSnapshot(limit.limit(), (int) IN_FLIGHT.getVolatile(this), (int) WAITING.getVolatile(this),
                admitted.sum(), queued.sum(), rejected.sum(), timedOut.sum(), cancelled.sum());
    }

    @Override
    public String toString() {
        return "ConcurrencyGate(" + IN_FLIGHT.getVolatile(this) + "/" + limit.limit() + ", waiting="
                + WAITING.getVolatile(this) + "/" + maxQueued + ")";
    }

    private boolean admitNow() {
        if ((int) WAITING.getVolatile(this) == 0 && takeSlot()) {
            admitted.increment();
            return true;
        }
        return false;
    }

    /** Serves waiters while slots are free; see Algorithm. */
    private void drain() {
        while (!queue.isEmpty()) {
            if (!takeSlot()) {
                return; // whoever holds a slot will drain when it gives it back
            }
            final Node node = pollWaiting();
            if (node == null || !node.handOver()) {
                returnSlot(); // then look at the queue again: a waiter may have come meanwhile
            }
        }
    }

    private Node pollWaiting() {
        Node node;
        while ((node = queue.poll()) != null) {
            if (node.leaveWaiting(STATE_ADMITTED)) {
                return node;
            }
        }
        return null;
    }

    private boolean takeSlot() {
        for (;;) {
            final int current = (int) IN_FLIGHT.getVolatile(this);
            if (current >= limit.limit()) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /** Returns the in-flight count before giving one slot back, or 0 (changing nothing) if none was held. */
    private int returnSlot() {
        for (;;) {
            final int current = (int) IN_FLIGHT.getVolatile(this);
            if (current <= 0) {
                return 0;
            }
            if (IN_FLIGHT.compareAndSet(this, current, current - 1)) {
                return current;
            }
        }
    }

    private boolean reserveWaitingSpot() {
        for (;;) {
            final int current = (int) WAITING.getVolatile(this);
            if (current >= maxQueued) {
                return false;
            }
            if (WAITING.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /** The outcome of {@link #acquire}. */
    public enum Admission {
        /** The caller holds a slot now and must release it. */
        ADMITTED,
        /** The waiter is queued; its callback follows on its event loop. */
        QUEUED,
        /** The gate is full and so is its queue (or it has none): answer 503 with {@code Retry-After}. */
        REJECTED
    }

    /**
     * A request waiting for a slot, supplied by the caller. Callbacks run on {@link #eventLoop()}, at most one of
     * them, once, and must not throw.
     */
    public interface Waiter {
        /** Returns the event loop the callbacks run on: the loop of the request's client connection. */
        EventExecutor eventLoop();

        /**
         * The waiter now holds a slot and must release it exactly once: if its request ended meanwhile (the client
         * left), with {@link ConcurrencyGate#release()} at once.
         */
        void onAdmitted();

        /** No slot came within the queue timeout; the waiter holds nothing. */
        void onTimedOut();
    }

    /**
     * One queued acquire. It is its own timeout task and its own hand-over task: both run on the waiter's loop,
     * so they never run at once, and the state says which of them has anything to do.
     */
    private final class Node implements Runnable {
        final Waiter waiter;
        /** Written before the node is queued; read by whoever found the node through the queue. */
        volatile ScheduledFuture<?> timer;
        @SuppressWarnings("unused") // accessed through NODE_STATE
        volatile int state = STATE_WAITING;

        Node(Waiter waiter) {
            this.waiter = waiter;
        }

        /** CASes WAITING to {@code outcome}; the winner, and only it, gives up the node's waiting spot. */
        boolean leaveWaiting(int outcome) {
            if (NODE_STATE.compareAndSet(this, STATE_WAITING, outcome)) {
                WAITING.getAndAdd(ConcurrencyGate.this, -1);
                return true;
            }
            return false;
        }

        /** Sends the slot the caller holds (state ADMITTED) to the waiter's loop; false if the loop refused it. */
        boolean handOver() {
            try {
                waiter.eventLoop().execute(this);
                return true;
            } catch (RejectedExecutionException e) {
                state = STATE_CANCELLED;
                return false;
            }
        }

        void cancelTimer() {
            final ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(/* mayInterruptIfRunning= */ false);
            }
        }

        /** On the waiter's loop: delivers a hand-over, or, run as the timer of a node still waiting, times it out. */
        @Override
        public void run() {
            if (NODE_STATE.compareAndSet(this, STATE_ADMITTED, STATE_DELIVERED)) {
                cancelTimer();
                admitted.increment();
                waiter.onAdmitted();
            } else if (leaveWaiting(STATE_TIMED_OUT)) {
                queue.remove(this);
                timedOut.increment();
                waiter.onTimedOut();
            }
        }
    }
}
