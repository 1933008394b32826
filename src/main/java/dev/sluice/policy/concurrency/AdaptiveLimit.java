package dev.sluice.policy.concurrency;

import static java.util.Objects.requireNonNull;

import dev.sluice.common.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/*
 * Threading: lock-free. onSample runs on every event loop at once. Each sample only adds to striped adders (LongAdder,
 * and a LongAccumulator for the peak in-flight, which writes only when the peak rises) and reads the ticker and one
 * volatile reference. The limit is recomputed once per window: the first thread to see the window over (with enough
 * samples) claims it by CAS-ing the state to a copy that starts the next window, drains the adders, and CASes its
 * claimed state to the recomputed one. Losers return at once. limit() is one volatile read of the state.
 *
 * Why the limit lives in the state rather than in its own volatile int: a separate write after the CAS could be
 * overtaken by the next window's winner if the first winner stalls between its CAS and its write, and the older value
 * would then stay published for a whole window. Reading a field of the state costs one dependent load of an object
 * that is always in cache (see ConcurrencyBenchmark).
 *
 * Draining four adders is not atomic: a sample that lands during the drain may have its RTT counted in one window and
 * its count in the next. At the hundreds of samples a window sees under load this moves the mean by well under 1%.
 * A stalled winner whose claim has been superseded fails its final CAS and its window is discarded.
 *
 * Invariants: minLimit <= state.limit <= maxLimit; state.limit == (int) state.estimate; longRtt is 0 until the first
 * window with an RTT sample, then > 0.
 *
 * Algorithm: a gradient limit in the style of Netflix's Gradient2 [1], computed per window:
 *   shortRtt = mean RTT of the window's non-dropped samples
 *   longRtt  = exponential moving average of shortRtt over longWindow (weight 2 / (longWindow / window + 1))
 *              if longRtt > 2 * shortRtt (latency has recovered): longRtt = max(2 * shortRtt, 0.95 * longRtt),
 *              so the baseline follows a recovery within seconds rather than a whole long window
 *   if drops > dropThreshold * samples:     estimate = estimate * backoffRatio          (loss: multiplicative cut)
 *   else:
 *     gradient = clamp(tolerance * longRtt / shortRtt, 0.5, 1)   1 while latency is within tolerance of its baseline
 *     target   = estimate * gradient + sqrt(estimate)            sqrt: headroom that lets the limit probe upwards
 *     if peak in-flight < estimate / 2: target = min(target, estimate)   app-limited: unused headroom proves nothing
 *     estimate = (1 - smoothing) * estimate + smoothing * target
 *   estimate = clamp(estimate, minLimit, maxLimit)
 * At steady latency the gradient is 1 and the limit grows by smoothing * sqrt(limit) per window; when the short RTT
 * exceeds tolerance * longRtt it shrinks, by at most smoothing / 2 (10% with the defaults) per window. A sustained
 * slowdown is absorbed into longRtt over about one long window, after which the limit grows again: the limit reacts
 * to changes in latency, not to its level (docs/concurrency-limits.md, "Drift").
 *
 * References:
 * [1] Netflix concurrency-limits, Gradient2Limit (2018), github.com/Netflix/concurrency-limits.
 * [2] L. Brakmo, L. Peterson, "TCP Vegas: End to End Congestion Avoidance on a Global Internet", IEEE JSAC 13(8), 1995.
 * [3] Envoy adaptive concurrency filter (gradient controller), envoyproxy.io docs, HTTP filters.
 */

/**
 * A concurrency limit learned from upstream latency: it shrinks when the upstream slows down or drops requests, and
 * grows back when it recovers, between {@link Settings#minLimit()} and {@link Settings#maxLimit()}.
 *
 * <pre>{@code
 * final AdaptiveLimit limit = new AdaptiveLimit(AdaptiveLimit.Settings.defaults(), Ticker.system());
 * final ConcurrencyGate gate = new ConcurrencyGate(limit, 0, Duration.ZERO);
 * }</pre>
 */
public final class AdaptiveLimit implements ConcurrencyLimit {
    private static final VarHandle STATE;
    /** The largest cut of one window before smoothing: a single slow window never more than halves the target. */
    private static final double MIN_GRADIENT = 0.5;
    /** A long RTT above this multiple of the short one means latency has recovered and the baseline lags. */
    private static final double RECOVERY_RATIO = 2.0;
    private static final double RECOVERY_DECAY = 0.95;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(AdaptiveLimit.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Settings settings;
    private final Ticker ticker;
    private final long windowNanos;
    private final double longWeight;
    private final LongAdder rttSum = new LongAdder();
    private final LongAdder rttCount = new LongAdder();
    private final LongAdder drops = new LongAdder();
    private final LongAccumulator peakInFlight = new LongAccumulator(Math::max, 0);
    @SuppressWarnings("unused") // accessed through STATE
    private volatile State state;

    /** One window's starting point and the estimate it works from; replaced whole, by CAS. */
    private record State(long windowStartNanos, double estimate, int limit, double longRttNanos) {
        State startingAt(long nowNanos) {
            return new State(nowNanos, estimate, limit, longRttNanos);
        }
    }

    /** Creates a limit at {@code settings.initialLimit()}, its first window starting now. */
    public AdaptiveLimit(Settings settings, Ticker ticker) {
        this.settings = requireNonNull(settings, "settings");
        this.ticker = requireNonNull(ticker, "ticker");
        this.windowNanos = settings.window().toNanos();
        final double windowsPerLongWindow = (double) settings.longWindow().toNanos() / windowNanos;
        this.longWeight = 2.0 / (windowsPerLongWindow + 1);
        this.state = new State(ticker.nanoTime(), settings.initialLimit(), settings.initialLimit(), 0);
    }

    @Override
    public int limit() {
        return ((State) STATE.getVolatile(this)).limit;
    }

    /** Returns the settings this limit was created with. */
    public Settings settings() {
        return settings;
    }

    @Override
    public void onSample(long rttNanos, int inFlight, boolean dropped) {
        if (dropped) {
            drops.increment();
        } else {
            // A zero RTT (a coarse clock) would make the gradient divide by zero.
            rttSum.add(Math.max(1, rttNanos));
            rttCount.increment();
        }
        peakInFlight.accumulate(inFlight);
        final long now = ticker.nanoTime();
        final State current = (State) STATE.getVolatile(this);
        if (now - current.windowStartNanos < windowNanos) {
            return;
        }
        // A quiet window is extended until it has enough samples for its mean to mean something.
        if (rttCount.sum() + drops.sum() < settings.minWindowSamples) {
            return;
        }
        final State claimed = current.startingAt(now);
        if (!STATE.compareAndSet(this, current, claimed)) {
            return;
        }
        final long count = rttCount.sumThenReset();
        final long sum = rttSum.sumThenReset();
        final long dropCount = drops.sumThenReset();
        final long peak = peakInFlight.getThenReset();
        STATE.compareAndSet(this, claimed, next(claimed, sum, count, dropCount, peak));
    }

    /** Returns the state after a window with these figures; pure. */
    private State next(State s, long sumNanos, long count, long dropCount, long peak) {
        final long total = count + dropCount;
        if (total == 0) {
            return s; // a superseded winner drained this window's samples
        }
        double estimate = s.estimate;
        double longRtt = s.longRttNanos;
        double shortRtt = 0;
        if (count > 0) {
            shortRtt = (double) sumNanos / count;
            longRtt = longRtt == 0 ? shortRtt : longRtt + longWeight * (shortRtt - longRtt);
            if (longRtt > RECOVERY_RATIO * shortRtt) {
                longRtt = Math.max(RECOVERY_RATIO * shortRtt, RECOVERY_DECAY * longRtt);
            }
        }
        if (dropCount > settings.dropThreshold * total) {
            estimate *= settings.backoffRatio;
        } else {
            // count > 0 here: a window of drops only is above any threshold < 1, so shortRtt is a real mean.
            final double gradient = Math.max(MIN_GRADIENT, Math.min(1.0, settings.tolerance * longRtt / shortRtt));
            double target = estimate * gradient + Math.sqrt(estimate);
            if (peak < estimate / 2) {
                target = Math.min(target, estimate);
            }
            estimate = (1 - settings.smoothing) * estimate + settings.smoothing * target;
        }
        estimate = Math.max(settings.minLimit, Math.min(settings.maxLimit, estimate));
        return new State(s.windowStartNanos, estimate, (int) estimate, longRtt);
    }

    @Override
    public String toString() {
        final State s = (State) STATE.getVolatile(this);
        return "AdaptiveLimit(limit=" + s.limit + ", longRtt=" + Math.round(s.longRttNanos / 1_000) + "us)";
    }

    /**
     * The tuning of an {@link AdaptiveLimit}; {@link #defaults()} suits most upstreams.
     *
     * @param initialLimit     the limit before the first window, in {@code [minLimit, maxLimit]}
     * @param minLimit         the floor, at least 1: the limit never starves an upstream below this
     * @param maxLimit         the ceiling, the static cap the limit can never exceed
     * @param window           the short window over which samples are averaged and after which the limit is recomputed
     * @param minWindowSamples a window lasts until it has at least this many samples (quiet routes get longer windows)
     * @param longWindow       the time over which the latency baseline averages; at least two windows
     * @param tolerance        how many times its baseline latency may grow before the limit shrinks, at least 1
     * @param smoothing        how far each window moves the limit towards its target, in {@code (0, 1]}
     * @param backoffRatio     the factor the limit is multiplied by after a window with drops, in {@code (0, 1)}
     * @param dropThreshold    the fraction of a window's samples that must be drops to cut the limit, in
     *                         {@code [0, 1)}: 0 cuts on any drop; above 0, an upstream whose normal answers include a
     *                         few 503s does not drive its limit to the floor
     */
    public record Settings(int initialLimit, int minLimit, int maxLimit, Duration window, int minWindowSamples,
            Duration longWindow, double tolerance, double smoothing, double backoffRatio, double dropThreshold) {
        private static final Settings DEFAULTS = new Settings(
                // Start high: a cold gateway must not throttle a healthy busy upstream; a congested one brings the
                // limit down by ~10% per window, so from 100 to 50 in under a second.
                100, 4, 1_000,
                // 100 ms windows react within a second; under ten samples per window the mean is noise.
                Duration.ofMillis(100), 10,
                // One minute of baseline: long enough to see a slowdown as a change, short enough to re-learn a new
                // normal (a deploy, a larger instance) within minutes.
                Duration.ofMinutes(1),
                // Latency may grow by half before the limit shrinks: less reacts to ordinary jitter.
                1.5, 0.2, 0.9, 0.01);

        /** Validates every setting; messages name the setting, its value and the expectation. */
        public Settings {
            requireNonNull(window, "window");
            requireNonNull(longWindow, "longWindow");
            if (minLimit < 1) {
                throw new IllegalArgumentException("minLimit: " + minLimit + " (expected: >= 1)");
            }
            if (maxLimit < minLimit) {
                throw new IllegalArgumentException("maxLimit: " + maxLimit + " (expected: >= minLimit " + minLimit
                        + ")");
            }
            if (initialLimit < minLimit || initialLimit > maxLimit) {
                throw new IllegalArgumentException("initialLimit: " + initialLimit + " (expected: between minLimit "
                        + minLimit + " and maxLimit " + maxLimit + ")");
            }
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
            }
            if (minWindowSamples < 1) {
                throw new IllegalArgumentException("minWindowSamples: " + minWindowSamples + " (expected: >= 1)");
            }
            if (longWindow.compareTo(window.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("longWindow: " + longWindow + " (expected: >= 2 * window "
                        + window + ")");
            }
            if (!(tolerance >= 1.0) || Double.isInfinite(tolerance)) {
                throw new IllegalArgumentException("tolerance: " + tolerance + " (expected: >= 1.0 and finite)");
            }
            if (!(smoothing > 0 && smoothing <= 1)) {
                throw new IllegalArgumentException("smoothing: " + smoothing + " (expected: > 0 and <= 1)");
            }
            if (!(backoffRatio > 0 && backoffRatio < 1)) {
                throw new IllegalArgumentException("backoffRatio: " + backoffRatio + " (expected: > 0 and < 1)");
            }
            if (!(dropThreshold >= 0 && dropThreshold < 1)) {
                throw new IllegalArgumentException("dropThreshold: " + dropThreshold + " (expected: >= 0 and < 1)");
            }
        }

        /**
         * Returns the defaults: initial 100, min 4, max 1000, 100 ms windows of at least 10 samples, a one-minute
         * baseline, tolerance 1.5, smoothing 0.2, and a cut to 0.9 when more than 1% of a window was dropped.
         */
        public static Settings defaults() {
            return DEFAULTS;
        }
    }
}
