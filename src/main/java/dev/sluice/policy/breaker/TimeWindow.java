package dev.sluice.policy.breaker;

import dev.sluice.common.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. Each bucket is an object with a final epoch (its start, in bucket lengths since the ticker's
 * origin) and three counters changed by atomic adds. A call whose bucket slot holds an older epoch swaps in a new
 * bucket by compareAndSet, so a bucket is allocated at most once per bucket length, never per call. A call that read
 * the slot just before the swap and adds to the old bucket afterwards is lost; that needs a thread stalled for nine
 * tenths of the window between reading the clock and adding.
 *
 * Invariants: buckets[i] is null or has epoch == i (mod BUCKETS); the window at epoch e is the buckets whose epoch is
 * in (e - BUCKETS, e]: the current, partly elapsed bucket and the nine before it, so the window spans between 9/10 of
 * windowSize and windowSize seconds back. Expired buckets are not cleared, only ignored, and replaced when reused.
 *
 * Algorithm: Hystrix's rolling buckets [1]; ten buckets as in Hystrix's default (metrics.rollingStats.numBuckets).
 * Recording touches one bucket, found through the `latest` hint without dividing; only an evaluation (see Window)
 * sums the ten.
 *
 * References:
 * [1] Netflix Hystrix wiki, "How it Works: Circuit Breaker" and "Configuration: metrics.rollingStats".
 */

/** A time-based sliding window of {@value #BUCKETS} buckets, each a tenth of the window long. */
final class TimeWindow extends Window {
    static final int BUCKETS = 10;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Bucket[].class);

    private final Ticker ticker;
    private final long bucketNanos;
    private final Bucket[] buckets = new Bucket[BUCKETS];
    /** The bucket found last: a hint that a thread with an older clock reading may set back; readers check its span. */
    private volatile Bucket latest;

    TimeWindow(BreakerSettings settings, Ticker ticker) {
        super(settings);
        this.ticker = ticker;
        this.bucketNanos = settings.windowSize() * (1_000_000_000L / BUCKETS);
    }

    @Override
    Counts record(int outcome) {
        final long now = ticker.nanoTime();
        // Nearly every call lands in the latest bucket: two comparisons instead of a 64-bit division.
        final Bucket latest = this.latest;
        final boolean inLatest = latest != null && now - latest.startNanos >= 0
                && now - latest.startNanos < bucketNanos;
        final Bucket bucket = inLatest ? latest : bucket(Math.floorDiv(now, bucketNanos));
        final long epoch = bucket.epoch;
        if ((outcome & FAILED) != 0) {
            Bucket.FAILED_CALLS.getAndAdd(bucket, 1L);
        }
        if ((outcome & SLOW) != 0) {
            Bucket.SLOW_CALLS.getAndAdd(bucket, 1L);
        }
        // Calls last, so that a reader rather sees a failure early (clamped) than a call without its failure.
        final long inBucket = (long) Bucket.CALLS.getAndAdd(bucket, 1L) + 1;
        if (outcome == CALL && inBucket > minimumCalls) {
            return null;
        }
        return sum(epoch, /* trippingOnly= */ true);
    }

    @Override
    Counts counts() {
        return sum(Math.floorDiv(ticker.nanoTime(), bucketNanos), /* trippingOnly= */ false);
    }

    private Bucket bucket(long epoch) {
        final int i = (int) Math.floorMod(epoch, (long) BUCKETS);
        for (;;) {
            final Bucket current = (Bucket) SLOT.getAcquire(buckets, i);
            // A newer epoch only if this thread's clock reading is older than another's: count the call there.
            if (current != null && current.epoch >= epoch) {
                latest = current;
                return current;
            }
            final Bucket fresh = new Bucket(epoch, epoch * bucketNanos);
            if (SLOT.compareAndSet(buckets, i, current, fresh)) {
                latest = fresh;
                return fresh;
            }
        }
    }

    /** Sums the window at {@code epoch}: all its counts, or (allocating nothing otherwise) only counts that trip. */
    private Counts sum(long epoch, boolean trippingOnly) {
        long calls = 0;
        long failed = 0;
        long slow = 0;
        for (int i = 0; i < BUCKETS; i++) {
            final Bucket b = (Bucket) SLOT.getAcquire(buckets, i);
            if (b != null && b.epoch > epoch - BUCKETS) {
                calls += (long) Bucket.CALLS.getVolatile(b);
                failed += (long) Bucket.FAILED_CALLS.getVolatile(b);
                slow += (long) Bucket.SLOW_CALLS.getVolatile(b);
            }
        }
        return trippingOnly ? tripping(calls, failed, slow) : Counts.clamped(calls, failed, slow);
    }

    /** The counts of the calls that ended in one bucket length. */
    private static final class Bucket {
        static final VarHandle CALLS;
        static final VarHandle FAILED_CALLS;
        static final VarHandle SLOW_CALLS;

        static {
            try {
                final MethodHandles.Lookup lookup = MethodHandles.lookup();
                CALLS = lookup.findVarHandle(Bucket.class, "calls", long.class);
                FAILED_CALLS = lookup.findVarHandle(Bucket.class, "failedCalls", long.class);
                SLOW_CALLS = lookup.findVarHandle(Bucket.class, "slowCalls", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final long epoch;
        final long startNanos;
        @SuppressWarnings("unused") // accessed through CALLS
        private volatile long calls;
        @SuppressWarnings("unused") // accessed through FAILED_CALLS
        private volatile long failedCalls;
        @SuppressWarnings("unused") // accessed through SLOW_CALLS
        private volatile long slowCalls;

        Bucket(long epoch, long startNanos) {
            this.epoch = epoch;
            this.startNanos = startNanos;
        }
    }
}
