package dev.sluice.policy.breaker;

import static java.util.Objects.requireNonNull;

import dev.sluice.common.Ticker;
import dev.sluice.policy.breaker.Window.Counts;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: lock-free; any thread may call any method. The state is one immutable Phase (state, generation and the
 * state's own data) in a volatile field, replaced by compareAndSet on each transition; exactly one thread wins each
 * transition and only it calls the listener, after the swap. Within a phase the mutable parts are lock-free too: the
 * CLOSED window (see Window) and the HALF_OPEN trial counters (one packed long, changed by compareAndSet). No method
 * blocks, recurses or retries except after another thread made progress.
 *
 * Ownership: a permit is the generation of the phase that granted it. A result whose permit is not the current
 * phase's generation is dropped: a call permitted while CLOSED that ends after the breaker opened, or a trial call
 * that ends after its HALF_OPEN phase was decided, belongs to a phase that no longer exists.
 *
 * Invariants: generations increase by one per transition, starting at 0 (CLOSED). Transitions are only
 * CLOSED -> OPEN, OPEN -> HALF_OPEN, HALF_OPEN -> OPEN and HALF_OPEN -> CLOSED. In a HALF_OPEN phase,
 * out + reported <= trialCalls at every instant (out: trial permits granted and not yet reported or ignored), and the
 * DECIDED bit is set by exactly one compareAndSet, whose thread then makes the transition; no permit is granted and no
 * result counted after it.
 *
 * Algorithm: the Hystrix / Resilience4j state machine [1][2] with a sliding window per CLOSED generation:
 *   CLOSED:    permit every call (one volatile read); record its outcome; OPEN when, with at least minimumCalls calls
 *              in the window, failures / calls >= failureRateThreshold or slow / calls >= slowCallRateThreshold.
 *   OPEN:      deny until openUntil; the first tryAcquire at or after it (or transitionToHalfOpenIfDue, from a timer)
 *              moves to HALF_OPEN and then asks again.
 *   HALF_OPEN: permit trialCalls calls in all; OPEN again as soon as the trials' failures (or slow calls) reach the
 *              threshold out of trialCalls, whatever the remaining trials do; CLOSED, with a new empty window, when
 *              all have reported below it. onIgnored returns a trial permit unused.
 * Resilience4j 2.4 differs where it matters on an event loop (docs/circuit-breaking.md has the measurements): each
 * OPEN denial reads a java.time.Instant and builds an event holding a ZonedDateTime; the OPEN -> HALF_OPEN step
 * clears a flag and then transitions under a ReentrantLock, and a thread that finds the flag cleared but the state
 * still OPEN calls itself again (the StackOverflowError of issue #2038 [3], which the lock narrows to a transition
 * that throws); its default window takes a lock on every result; and a result counts in whatever state is current
 * when it arrives, so a call permitted while CLOSED can decide a HALF_OPEN trial. Here a lost CAS re-reads the phase
 * in a loop, and results carry their generation.
 *
 * References:
 * [1] Netflix Hystrix wiki, "How it Works: Circuit Breaker".
 * [2] Resilience4j documentation, "CircuitBreaker" (count- and time-based sliding windows, slow calls).
 * [3] resilience4j/resilience4j issue #2038, StackOverflowError in CircuitBreakerStateMachine$OpenState.
 * [4] Michael T. Nygard, "Release It!", 2nd ed., chapter "Stability Patterns: Circuit Breaker".
 */

/**
 * A lock-free circuit breaker for one route or upstream endpoint: CLOSED, OPEN and HALF_OPEN over a sliding window
 * of call outcomes, with allocation-free permits.
 *
 * <pre>{@code
 * final long permit = breaker.tryAcquire();
 * if (!CircuitBreaker.isPermitted(permit)) {
 *     return reject503();
 * }
 * // ... when the call ends, exactly one of:
 * breaker.onSuccess(permit, durationNanos);
 * breaker.onFailure(permit, durationNanos);
 * breaker.onIgnored(permit);   // no verdict: the client went away
 * }</pre>
 */
public final class CircuitBreaker {
    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);
    private static final VarHandle PHASE;

    /** Any negative permit is a denial; this is the one returned. */
    private static final long DENIED = -1;

    static {
        try {
            PHASE = MethodHandles.lookup().findVarHandle(CircuitBreaker.class, "phase", Phase.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final BreakerSettings settings;
    private final Ticker ticker;
    private final BreakerListener listener;
    private volatile Phase phase;

    /** Creates a CLOSED breaker with an empty window; the listener receives every later transition. */
    public CircuitBreaker(String name, BreakerSettings settings, Ticker ticker, BreakerListener listener) {
        this.name = requireNonNull(name, "name");
        this.settings = requireNonNull(settings, "settings");
        this.ticker = requireNonNull(ticker, "ticker");
        this.listener = requireNonNull(listener, "listener");
        this.phase = new Closed(0, Window.of(settings, ticker));
    }

    /** Returns whether {@code permit}, as returned by {@link #tryAcquire()}, lets the call go ahead. */
    public static boolean isPermitted(long permit) {
        return permit >= 0;
    }

    /**
     * Asks to make one call: returns a permit (>= 0) to hand back to exactly one of {@link #onSuccess},
     * {@link #onFailure} or {@link #onIgnored}, or a negative value if the call must not be made (OPEN, or HALF_OPEN
     * with every trial permit taken). Reads the ticker only while OPEN. Never allocates except on a transition.
     */
    public long tryAcquire() {
        final Phase p = phase;
        if (p.state == BreakerState.CLOSED) {
            return p.generation;
        }
        if (p.state == BreakerState.HALF_OPEN) {
            return ((HalfOpen) p).tryAcquireTrial(settings.trialCalls());
        }
        return tryAcquire(ticker.nanoTime());
    }

    /**
     * {@link #tryAcquire()} at a time the caller has already read from this breaker's ticker (the start of the
     * exchange), which saves the clock read that an OPEN breaker otherwise needs.
     */
    public long tryAcquire(long nowNanos) {
        for (;;) {
            final Phase p = phase;
            switch (p.state) {
                case CLOSED:
                    return p.generation;
                case HALF_OPEN:
                    return ((HalfOpen) p).tryAcquireTrial(settings.trialCalls());
                default:
                    final Open open = (Open) p;
                    if (nowNanos - open.untilNanos < 0) {
                        return DENIED;
                    }
                    // Won or lost, the phase has moved on: ask the new one.
                    halfOpen(open);
            }
        }
    }

    /** Records that the call of {@code permit} succeeded; slow if {@code durationNanos >= slowCallNanos}. */
    public void onSuccess(long permit, long durationNanos) {
        record(permit, durationNanos, /* failed= */ false);
    }

    /** Records that the call of {@code permit} failed; also slow if {@code durationNanos >= slowCallNanos}. */
    public void onFailure(long permit, long durationNanos) {
        record(permit, durationNanos, /* failed= */ true);
    }

    /**
     * Records that the call of {@code permit} ended with no verdict (cancelled, client gone): it does not count, and a
     * HALF_OPEN trial permit goes back to the pool for another call.
     */
    public void onIgnored(long permit) {
        final Phase p = phase;
        if (p.generation == permit && p.state == BreakerState.HALF_OPEN) {
            ((HalfOpen) p).returnTrial();
        }
    }

    /** Returns the current state (one volatile read). An OPEN breaker past its open period stays OPEN until asked. */
    public BreakerState state() {
        return phase.state;
    }

    /**
     * Returns the ticker time at which an OPEN breaker lets trial calls through, or 0 unless OPEN; a timer that
     * fires then calls {@link #transitionToHalfOpenIfDue()}.
     */
    public long openUntilNanos() {
        final Phase p = phase;
        return p.state == BreakerState.OPEN ? ((Open) p).untilNanos : 0;
    }

    /**
     * Moves an OPEN breaker whose open period is over to HALF_OPEN, for a timer when no call asks; returns whether
     * this call made the transition.
     */
    public boolean transitionToHalfOpenIfDue() {
        final Phase p = phase;
        return p.state == BreakerState.OPEN && ticker.nanoTime() - ((Open) p).untilNanos >= 0 && halfOpen((Open) p);
    }

    /** Returns the current figures; allocates, for an admin API or a dashboard, not for the request path. */
    public BreakerSnapshot snapshot() {
        final Phase p = phase;
        switch (p.state) {
            case CLOSED:
                return figures(p, ((Closed) p).window.counts(), 0);
            case HALF_OPEN:
                return figures(p, Trials.counts(((HalfOpen) p).trials()), 0);
            default:
                return figures(p, ((Open) p).cause, ticker.nanoTime());
        }
    }

    /** Returns the name given at construction, for logs, metrics and events. */
    public String name() {
        return name;
    }

    /** Returns the settings given at construction. */
    public BreakerSettings settings() {
        return settings;
    }

    @Override
    public String toString() {
        return "CircuitBreaker(" + name + ", " + phase.state + ")";
    }

    private void record(long permit, long durationNanos, boolean failed) {
        final Phase p = phase;
        if (p.generation != permit) {
            return;
        }
        final boolean slow = settings.tracksSlowCalls() && durationNanos >= settings.slowCallNanos();
        final int outcome = Window.CALL | (failed ? Window.FAILED : 0) | (slow ? Window.SLOW : 0);
        if (p.state == BreakerState.CLOSED) {
            final Counts tripped = ((Closed) p).window.record(outcome);
            if (tripped != null) {
                open(p, tripped);
            }
        } else if (p.state == BreakerState.HALF_OPEN) {
            trialResult((HalfOpen) p, failed, slow);
        }
    }

    private void trialResult(HalfOpen h, boolean failed, boolean slow) {
        final int trialCalls = settings.trialCalls();
        for (;;) {
            final long current = h.trials();
            if (Trials.isDecided(current) || Trials.out(current) == 0) {
                // Decided, or a report with no permit out (a duplicate): counting it could exceed trialCalls.
                return;
            }
            long next = current - Trials.OUT_ONE + Trials.REPORTED_ONE + (failed ? Trials.FAILED_ONE : 0)
                    + (slow ? Trials.SLOW_ONE : 0);
            // The rates are over all trialCalls, reported or not: reaching the threshold early settles the outcome.
            final boolean reopen = BreakerSnapshot.rate(Trials.failed(next), trialCalls)
                    >= settings.failureRateThreshold()
                    || settings.tracksSlowCalls()
                    && BreakerSnapshot.rate(Trials.slow(next), trialCalls) >= settings.slowCallRateThreshold();
            final boolean decided = reopen || Trials.reported(next) == trialCalls;
            if (decided) {
                next |= Trials.DECIDED;
            }
            if (h.casTrials(current, next)) {
                if (reopen) {
                    open(h, Trials.counts(next));
                } else if (decided) {
                    close(h, Trials.counts(next));
                }
                return;
            }
        }
    }

    private void open(Phase from, Counts cause) {
        final long now = ticker.nanoTime();
        transition(from, new Open(from.generation + 1, now + settings.openNanos(), cause), cause, now);
    }

    private boolean halfOpen(Open from) {
        return transition(from, new HalfOpen(from.generation + 1), from.cause, 0);
    }

    private void close(HalfOpen from, Counts cause) {
        final boolean won = transition(from, new Closed(from.generation + 1, Window.of(settings, ticker)), cause, 0);
        // Only the thread that set DECIDED gets here, and nothing else leaves HALF_OPEN.
        assert won : "HALF_OPEN left by another thread after DECIDED";
    }

    /** Swaps {@code from} for {@code to}; if this thread won, tells the listener. Returns whether it won. */
    private boolean transition(Phase from, Phase to, Counts cause, long now) {
        if (!PHASE.compareAndSet(this, from, to)) {
            return false;
        }
        try {
            listener.onTransition(this, from.state, to.state, figures(to, cause, now));
        } catch (RuntimeException e) {
            LOG.warn("circuit breaker {}: listener failed on {} -> {}", name, from.state, to.state, e);
        }
        return true;
    }

    private static BreakerSnapshot figures(Phase p, Counts counts, long now) {
        final long openRemaining = p.state == BreakerState.OPEN ? Math.max(0, ((Open) p).untilNanos - now) : 0;
        final int trialsOut = p.state == BreakerState.HALF_OPEN ? Trials.out(((HalfOpen) p).trials()) : 0;
        return new BreakerSnapshot(p.state, p.generation, counts.calls(), counts.failed(), counts.slow(),
                openRemaining, trialsOut);
    }

    /** One state of one generation; immutable apart from the window and trial counters inside it. */
    private abstract static class Phase {
        final BreakerState state;
        final long generation;

        Phase(BreakerState state, long generation) {
            this.state = state;
            this.generation = generation;
        }
    }

    private static final class Closed extends Phase {
        final Window window;

        Closed(long generation, Window window) {
            super(BreakerState.CLOSED, generation);
            this.window = window;
        }
    }

    private static final class Open extends Phase {
        final long untilNanos;
        /** The counts that tripped the breaker, kept for snapshots and the transition to HALF_OPEN. */
        final Counts cause;

        Open(long generation, long untilNanos, Counts cause) {
            super(BreakerState.OPEN, generation);
            this.untilNanos = untilNanos;
            this.cause = cause;
        }
    }

    private static final class HalfOpen extends Phase {
        private static final VarHandle TRIALS;

        static {
            try {
                TRIALS = MethodHandles.lookup().findVarHandle(HalfOpen.class, "trials", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** Packed trial counters, see {@link Trials}. */
        @SuppressWarnings("unused") // accessed through TRIALS
        private volatile long trials;

        HalfOpen(long generation) {
            super(BreakerState.HALF_OPEN, generation);
        }

        long trials() {
            return (long) TRIALS.getVolatile(this);
        }

        boolean casTrials(long expected, long next) {
            return TRIALS.compareAndSet(this, expected, next);
        }

        long tryAcquireTrial(int trialCalls) {
            for (;;) {
                final long current = trials();
                if (Trials.isDecided(current) || Trials.out(current) + Trials.reported(current) >= trialCalls) {
                    return DENIED;
                }
                if (casTrials(current, current + Trials.OUT_ONE)) {
                    return generation;
                }
            }
        }

        void returnTrial() {
            for (;;) {
                final long current = trials();
                if (Trials.isDecided(current) || Trials.out(current) == 0) {
                    return;
                }
                if (casTrials(current, current - Trials.OUT_ONE)) {
                    return;
                }
            }
        }
    }

    /**
     * The HALF_OPEN counters in one long, 15 bits each (hence {@link BreakerSettings#MAX_TRIAL_CALLS}): permits out,
     * results reported, of which failed, of which slow; bit 60 is DECIDED.
     */
    private static final class Trials {
        static final int BITS = 15;
        static final long MASK = (1L << BITS) - 1;
        static final long OUT_ONE = 1L;
        static final long REPORTED_ONE = 1L << BITS;
        static final long FAILED_ONE = 1L << (2 * BITS);
        static final long SLOW_ONE = 1L << (3 * BITS);
        static final long DECIDED = 1L << (4 * BITS);

        private Trials() {
        }

        static int out(long t) {
            return (int) (t & MASK);
        }

        static int reported(long t) {
            return (int) ((t >>> BITS) & MASK);
        }

        static int failed(long t) {
            return (int) ((t >>> (2 * BITS)) & MASK);
        }

        static int slow(long t) {
            return (int) ((t >>> (3 * BITS)) & MASK);
        }

        static boolean isDecided(long t) {
            return (t & DECIDED) != 0;
        }

        static Counts counts(long t) {
            return new Counts(reported(t), failed(t), slow(t));
        }
    }
}
