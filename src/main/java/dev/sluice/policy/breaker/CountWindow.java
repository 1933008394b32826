package dev.sluice.policy.breaker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. A call takes the next sequence number with one atomic add and owns the ring slot it maps to;
 * the only other writer of that slot is a call a whole ring later, so swapping the outcome in with getAndSet and then
 * adding the difference to the totals keeps totals == sum of slots whenever no record is in progress. Between the
 * swap and the add a reader may see the totals off by the calls in flight (even below zero, hence the clamp).
 *
 * Invariants: slots[i] is 0 (never written in this generation) or an outcome (Window.CALL | FAILED? | SLOW?); the
 * totals count the calls, failed and slow outcomes in the slots, at quiescence.
 *
 * Algorithm: the common case, a fast success replacing a fast success, writes nothing but the sequence number: the
 * slot already holds the outcome, which is the same as writing it at the moment it was read.
 */

/** A count-based sliding window: the last {@code windowSize} calls, in a ring of one byte per call. */
final class CountWindow extends Window {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle NEXT;
    private static final VarHandle CALLS;
    private static final VarHandle FAILED_CALLS;
    private static final VarHandle SLOW_CALLS;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            NEXT = lookup.findVarHandle(CountWindow.class, "next", long.class);
            CALLS = lookup.findVarHandle(CountWindow.class, "calls", long.class);
            FAILED_CALLS = lookup.findVarHandle(CountWindow.class, "failedCalls", long.class);
            SLOW_CALLS = lookup.findVarHandle(CountWindow.class, "slowCalls", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] slots;
    @SuppressWarnings("unused") // accessed through NEXT
    private volatile long next;
    @SuppressWarnings("unused") // accessed through CALLS
    private volatile long calls;
    @SuppressWarnings("unused") // accessed through FAILED_CALLS
    private volatile long failedCalls;
    @SuppressWarnings("unused") // accessed through SLOW_CALLS
    private volatile long slowCalls;

    CountWindow(BreakerSettings settings) {
        super(settings);
        this.slots = new byte[settings.windowSize()];
    }

    @Override
    Counts record(int outcome) {
        // A sequence number stays positive for 2^63 calls: centuries at a billion calls per second.
        final int slot = (int) ((long) NEXT.getAndAdd(this, 1L) % slots.length);
        final int seen = (byte) SLOTS.getVolatile(slots, slot);
        final int previous = seen == outcome ? seen : (byte) SLOTS.getAndSet(slots, slot, (byte) outcome);
        if (previous != outcome) {
            CALLS.getAndAdd(this, (long) (bit(outcome, CALL) - bit(previous, CALL)));
            FAILED_CALLS.getAndAdd(this, (long) (bit(outcome, FAILED) - bit(previous, FAILED)));
            SLOW_CALLS.getAndAdd(this, (long) (bit(outcome, SLOW) - bit(previous, SLOW)));
        }
        if (outcome == CALL && previous != 0) {
            return null;
        }
        return tripping((long) CALLS.getVolatile(this), (long) FAILED_CALLS.getVolatile(this),
                (long) SLOW_CALLS.getVolatile(this));
    }

    @Override
    Counts counts() {
        return Counts.clamped((long) CALLS.getVolatile(this), (long) FAILED_CALLS.getVolatile(this),
                (long) SLOW_CALLS.getVolatile(this));
    }

    private static int bit(int outcome, int bit) {
        return (outcome & bit) == 0 ? 0 : 1;
    }
}
