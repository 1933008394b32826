package dev.sluice.policy.ratelimit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/*
 * Threading: lock-free. The in-flight count is one long changed by compareAndSet loops, never by getAndIncrement:
 * an increment-then-check would let the count overshoot the limit transiently (and a decrement-then-check go
 * negative), and another thread reading it in between would see an impossible value.
 *
 * Invariants: 0 <= inFlight <= limit at every instant. A release() with nothing in flight is a caller bug; it returns
 * false and leaves the count at 0 instead of going negative (which would silently raise the limit).
 */

/**
 * A concurrency limit: at most {@code limit} requests of one key in flight at once.
 *
 * <p>Each successful {@link #tryAcquire()} (or an admitted {@link #tryAcquire(long)}) must be paired with exactly one
 * {@link #release()} on the same instance when the exchange completes, whatever its outcome. Callers keep the instance
 * they acquired on (not the key) so a release reaches it even if a keyed store has since forgotten the key.
 */
public final class ConcurrencyLimiter implements LocalLimiter {
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(ConcurrencyLimiter.class, "inFlight", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long limit;
    private final long idleHorizonNanos;
    @SuppressWarnings("unused") // accessed through IN_FLIGHT
    private volatile long inFlight;

    ConcurrencyLimiter(long limit, long idleHorizonNanos) {
        this.limit = limit;
        this.idleHorizonNanos = idleHorizonNanos;
    }

    /** Takes one in-flight slot if fewer than the limit are taken; returns whether it did. */
    public boolean tryAcquire() {
        for (;;) {
            final long current = (long) IN_FLIGHT.getVolatile(this);
            if (current >= limit) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(this, current, current + 1)) {
                return true;
            }
        }
    }

    /**
     * Takes a slot even beyond the limit: for shadow mode, where the request goes ahead anyway and the in-flight
     * figure must stay true so its later {@link #release()} balances.
     */
    void forceAcquire() {
        IN_FLIGHT.getAndAdd(this, 1L);
    }

    /** Returns one slot taken by a successful acquire; returns false, changing nothing, if none is in flight. */
    public boolean release() {
        for (;;) {
            final long current = (long) IN_FLIGHT.getVolatile(this);
            if (current <= 0) {
                return false;
            }
            if (IN_FLIGHT.compareAndSet(this, current, current - 1)) {
                return true;
            }
        }
    }

    /** Returns the number of slots taken now. */
    public long inFlight() {
        return (long) IN_FLIGHT.getVolatile(this);
    }

    /** Same as {@link #tryAcquire()}; the time is ignored. Retry-after is 0: a slot frees when any request ends. */
    @Override
    public RateLimitDecision tryAcquire(long nowNanos) {
        final boolean allowed = tryAcquire();
        // Remaining is read after the CAS and may already be stale; it is advisory, as for every limiter.
        return new RateLimitDecision(allowed, limit, allowed ? Math.max(0, limit - inFlight()) : 0, 0, 0, 0);
    }

    @Override
    public long tryAcquireNanos(long nowNanos) {
        return tryAcquire() ? RateLimitDecision.admit(0) : RateLimitDecision.reject(0);
    }

    @Override
    public long limit() {
        return limit;
    }

    /** Returns the configured idle horizon: keyed stores must keep a key at least as long as any request can last. */
    @Override
    public long idleHorizonNanos() {
        return idleHorizonNanos;
    }

    @Override
    public String toString() {
        return "ConcurrencyLimiter(" + inFlight() + "/" + limit + ")";
    }
}
