package dev.sluice.upstream.health;

import static java.util.Objects.requireNonNull;

import dev.sluice.common.Ticker;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.health.EndpointHealth.State;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Threading: lock-free. onSuccess/onFailure run on any event loop, concurrently; readmissions and failure-rate
 * evaluations run on the scheduler. Each change is a CAS on the endpoint's EndpointHealth state; the listener is
 * told, and the readmission timer scheduled, only by the thread whose CAS won. A success on an endpoint without
 * failures is one volatile read (plus one getAndIncrement when the failure-rate trigger is on).
 *
 * Ownership: each ejection is owned by the detector that made it (State.ejectedBy): that detector's count of
 * ejected endpoints includes it and only its timer ends it. A new detector for the same endpoints (after a reload)
 * adopts the ejections it finds, so their ends are still scheduled and its cap counts them; the old detector's timers
 * then see they no longer own the ejection and do nothing (an old detector left open keeps it in its own count,
 * which only makes it eject less). A closed detector ejects nothing more, but its pending timers still end the
 * ejections it owns, so disabling outlier detection never leaves an endpoint out for good.
 *
 * Invariants: 0 <= ejected <= maxEjected, except that adopted ejections may exceed a smaller new cap until they
 * end. `ejected` is reserved (CAS below the cap) before the endpoint's CAS and given back if that CAS loses, so
 * concurrent ejections of different endpoints can never overshoot the cap.
 *
 * Algorithm (after Envoy's outlier detection [1], own design):
 *   - consecutive failures: the failure that makes the count reach consecutiveFailures ejects, if the cap allows;
 *     if not, counting goes on and every further failure tries again. A success resets the count; so does an
 *     ejection, and failures reported while ejected (requests that were in flight) are not counted.
 *   - failure rate: every interval, for each endpoint not ejected, take and reset (requests, failures) of the past
 *     interval; eject if requests >= minimumRequests and failures * 100 >= failureRateThreshold * requests.
 *   - ejection time: multiplier m = decayed(m) + 1, at most ceil(max / base); time = min(base * m, max).
 *     decayed(m) = max(0, m - floor((now - end of the last ejection) / interval)): m drops by one for each full
 *     interval the endpoint has been back, so a long-past offence is forgotten. Lazy, hence no timer for it.
 *   - cap: maxEjected = floor(endpoints * maxEjectionPercent / 100); no minimum of one, so a lone endpoint under the
 *     default 50% is never ejected (it would only turn its errors into 503s). 100% allows ejecting all.
 *   - the counts are 32-bit: at most 2^32 - 1 requests per endpoint per interval (7 minutes at 10M/s).
 *
 * References:
 * [1] Envoy, "Outlier detection", https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/upstream/outlier
 */

/**
 * Passive health checking of one upstream: ejects endpoints whose real requests fail, for a while.
 *
 * <p>The request path reports every upstream attempt with {@link #onSuccess} or {@link #onFailure}; what counts as a
 * failure (connect error, timeout, 5xx) is the caller's decision. An ejected endpoint is readmitted when its ejection
 * time is over, by a timer on the scheduler, and the listener is told.
 *
 * <pre>{@code
 * final OutlierDetector detector = new OutlierDetector(settings, endpoints, scheduler, ticker, listener);
 * // on the event loop, when an attempt ends:
 * if (failed) detector.onFailure(endpoint, ticker.nanoTime()); else detector.onSuccess(endpoint, ticker.nanoTime());
 * }</pre>
 */
public final class OutlierDetector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutlierDetector.class);
    /** One request and one failure, added to {@link EndpointHealth#requestCounts} in one step. */
    private static final long FAILURE = (1L << 32) + 1;
    private static final long REQUESTS_MASK = 0xFFFF_FFFFL;

    private final OutlierSettings settings;
    private final List<Endpoint> endpoints;
    private final ScheduledExecutorService scheduler;
    private final Ticker ticker;
    private final HealthListener listener;
    private final long intervalNanos;
    private final long baseNanos;
    private final long maxNanos;
    private final int maxMultiplier;
    private final int maxEjected;
    private final AtomicInteger ejected = new AtomicInteger();
    private volatile boolean closed;
    private volatile ScheduledFuture<?> evaluation;

    /**
     * Creates the detector of an upstream and takes over the ejections its endpoints already have.
     *
     * @param endpoints the upstream's endpoints: the cap is a share of their number
     * @param scheduler runs readmissions and failure-rate evaluations (an event executor does); its delays and
     *                  {@code ticker} should measure the same time
     * @param ticker    the clock; callers pass {@code nowNanos} read from it
     * @param listener  told when an ejection or readmission changes an endpoint's health
     */
    public OutlierDetector(OutlierSettings settings, List<Endpoint> endpoints, ScheduledExecutorService scheduler,
            Ticker ticker, HealthListener listener) {
        this.settings = requireNonNull(settings, "settings");
        this.endpoints = List.copyOf(requireNonNull(endpoints, "endpoints"));
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.ticker = requireNonNull(ticker, "ticker");
        this.listener = requireNonNull(listener, "listener");
        this.intervalNanos = settings.interval().toNanos();
        this.baseNanos = settings.baseEjectionTime().toNanos();
        this.maxNanos = settings.maxEjectionTime().toNanos();
        this.maxMultiplier = (int) Math.min(Integer.MAX_VALUE, (maxNanos + baseNanos - 1) / baseNanos);
        this.maxEjected = (int) ((long) this.endpoints.size() * settings.maxEjectionPercent() / 100);
        for (Endpoint endpoint : this.endpoints) {
            adopt(endpoint);
        }
        if (settings.isFailureRateEnabled()) {
            scheduleEvaluation();
        }
    }

    /** Returns the settings this detector applies. */
    public OutlierSettings settings() {
        return settings;
    }

    /** Returns the clock the {@code nowNanos} of {@link #onSuccess} and {@link #onFailure} must be read from. */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Reports a successful attempt to {@code endpoint}: resets its consecutive-failure count. Any thread.
     *
     * @param nowNanos when the attempt ended, on the ticker; no current rule needs it for a success
     */
    public void onSuccess(Endpoint endpoint, long nowNanos) {
        final EndpointHealth health = endpoint.health();
        if (settings.isFailureRateEnabled()) {
            health.requestCounts.getAndIncrement();
        }
        for (;;) {
            final State current = health.state();
            if (current.consecutiveFailures() == 0 || health.compareAndSet(current, current.withFailures(0))) {
                return;
            }
        }
    }

    /**
     * Reports a successful attempt that ended now, on this detector's ticker: for callers that keep time with another
     * clock (the request path uses {@link System#nanoTime()}, whose readings mean nothing to the ticker). Any thread.
     */
    public void onSuccess(Endpoint endpoint) {
        onSuccess(endpoint, ticker.nanoTime());
    }

    /** Reports a failed attempt that ended now, on this detector's ticker (see {@link #onSuccess(Endpoint)}). */
    public void onFailure(Endpoint endpoint) {
        onFailure(endpoint, ticker.nanoTime());
    }

    /** Reports a failed attempt to {@code endpoint}; may eject it. Any thread. */
    public void onFailure(Endpoint endpoint, long nowNanos) {
        final EndpointHealth health = endpoint.health();
        if (settings.isFailureRateEnabled()) {
            health.requestCounts.getAndAdd(FAILURE);
        }
        final int threshold = settings.consecutiveFailures();
        if (threshold == 0 || closed) {
            return;
        }
        for (;;) {
            final State current = health.state();
            if (current.ejectedBy() != null) {
                return;
            }
            final int failures = current.consecutiveFailures() == Integer.MAX_VALUE ? Integer.MAX_VALUE
                    : current.consecutiveFailures() + 1;
            if (failures >= threshold) {
                final Attempt attempt = tryEject(endpoint, current, nowNanos, failures + " consecutive failures");
                if (attempt == Attempt.EJECTED) {
                    return;
                }
                if (attempt == Attempt.LOST_RACE) {
                    continue;
                }
                // CAPPED: count on, so that each further failure tries again.
            }
            if (health.compareAndSet(current, current.withFailures(failures))) {
                return;
            }
        }
    }

    /** Stops ejecting and evaluating; ejections this detector owns still end on time. Idempotent. */
    @Override
    public void close() {
        closed = true;
        final ScheduledFuture<?> e = evaluation;
        if (e != null) {
            e.cancel(false);
        }
    }

    @Override
    public String toString() {
        return "OutlierDetector(" + ejected.get() + "/" + maxEjected + " of " + endpoints.size() + " ejected)";
    }

    /** Returns how many endpoints this detector has ejected now. */
    int ejectedCount() {
        return ejected.get();
    }

    private Attempt tryEject(Endpoint endpoint, State current, long nowNanos, String reason) {
        if (!reserveEjection()) {
            return Attempt.CAPPED;
        }
        final int multiplier = Math.min(decayedMultiplier(current, nowNanos) + 1, maxMultiplier);
        final long durationNanos = multiplier <= maxNanos / baseNanos ? baseNanos * multiplier : maxNanos;
        final State next = current.ejected(this, nowNanos + durationNanos, multiplier,
                reason + "; ejected for " + DurationText.of(durationNanos), nowNanos);
        if (!endpoint.health().compareAndSet(current, next)) {
            ejected.decrementAndGet();
            return Attempt.LOST_RACE;
        }
        scheduleReadmission(endpoint, next.ejectedUntilNanos());
        EndpointHealth.report(listener, endpoint, current, next);
        return Attempt.EJECTED;
    }

    private boolean reserveEjection() {
        for (;;) {
            final int n = ejected.get();
            if (n >= maxEjected) {
                return false;
            }
            if (ejected.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    private int decayedMultiplier(State s, long nowNanos) {
        final long backFor = nowNanos - s.ejectedUntilNanos();
        if (s.multiplier() == 0 || backFor <= 0) {
            return s.multiplier();
        }
        return (int) Math.max(0, s.multiplier() - backFor / intervalNanos);
    }

    private void adopt(Endpoint endpoint) {
        final EndpointHealth health = endpoint.health();
        for (;;) {
            final State current = health.state();
            if (current.ejectedBy() == null || current.ejectedBy() == this) {
                return;
            }
            if (health.compareAndSet(current, current.ownedBy(this))) {
                ejected.incrementAndGet();
                scheduleReadmission(endpoint, current.ejectedUntilNanos());
                return;
            }
        }
    }

    private void scheduleReadmission(Endpoint endpoint, long untilNanos) {
        try {
            scheduler.schedule(() -> readmit(endpoint, untilNanos), Math.max(0, untilNanos - ticker.nanoTime()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // Requests still see it healthy once the time is up (EndpointHealth#isHealthy); only the event is lost.
            LOG.warn("cannot schedule the end of the ejection of {}: scheduler refused ({})", endpoint, e.toString());
        }
    }

    private void readmit(Endpoint endpoint, long untilNanos) {
        final EndpointHealth health = endpoint.health();
        for (;;) {
            final State current = health.state();
            if (current.ejectedBy() != this || current.ejectedUntilNanos() != untilNanos) {
                return; // ended already, or adopted by a newer detector, whose timer ends it
            }
            final long now = ticker.nanoTime();
            if (now - untilNanos < 0) {
                scheduleReadmission(endpoint, untilNanos); // the scheduler's clock ran ahead of the ticker
                return;
            }
            final State next = current.readmitted("ejection ended", now);
            if (health.compareAndSet(current, next)) {
                ejected.decrementAndGet();
                EndpointHealth.report(listener, endpoint, current, next);
                return;
            }
        }
    }

    private void scheduleEvaluation() {
        try {
            evaluation = scheduler.schedule(this::evaluateFailureRates, intervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.warn("cannot schedule outlier failure-rate evaluation: scheduler refused ({})", e.toString());
            return;
        }
        if (closed) {
            evaluation.cancel(false); // close() ran while this was being scheduled
        }
    }

    private void evaluateFailureRates() {
        if (closed) {
            return;
        }
        try {
            final long now = ticker.nanoTime();
            for (Endpoint endpoint : endpoints) {
                evaluateFailureRate(endpoint, now);
            }
        } finally {
            scheduleEvaluation();
        }
    }

    private void evaluateFailureRate(Endpoint endpoint, long nowNanos) {
        final long counts = endpoint.health().requestCounts.getAndSet(0);
        final long requests = counts & REQUESTS_MASK;
        final long failures = counts >>> 32;
        if (requests < settings.minimumRequests() || failures * 100 < settings.failureRateThreshold() * requests) {
            return;
        }
        final String reason = "failure rate " + failures * 100 / requests + "% (" + failures + " of " + requests
                + " requests in " + DurationText.of(intervalNanos) + ")";
        for (;;) {
            final State current = endpoint.health().state();
            if (current.ejectedBy() != null || tryEject(endpoint, current, nowNanos, reason) != Attempt.LOST_RACE) {
                return;
            }
        }
    }

    /** Outcome of one ejection attempt. */
    private enum Attempt { EJECTED, CAPPED, LOST_RACE }
}
