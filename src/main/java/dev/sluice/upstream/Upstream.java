package dev.sluice.upstream;

import dev.sluice.common.Ticker;
import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.balance.LoadBalancers;
import dev.sluice.upstream.balance.PickContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named upstream as the data plane sees it across reloads: the current {@link EndpointSet} that picks choose from,
 * and the count of retries in flight that its retry budget limits.
 *
 * <p>Threading: {@link #pick} runs on every event loop and reads one volatile field. Health and breaker changes call
 * {@link #refresh} from any thread; the rebuild runs on the background executor (building a consistent-hash ring is
 * too much work for an event loop), coalesced so that a burst of changes costs one rebuild. {@link #configure} runs on
 * the config thread when a compiled snapshot commits.
 *
 * <p>Invariants: the set's balancer is built over exactly its eligible endpoints. A rebuild reads the endpoints'
 * health when it runs, so a change that happens during a rebuild is followed by another one ({@code dirty} is
 * cleared before the read). Rebuilds are serialised, so the last one to finish read the latest shape.
 */
public final class Upstream {
    private static final Logger log = LoggerFactory.getLogger(Upstream.class);

    private final String name;
    private final Executor background;
    private final Ticker ticker;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final AtomicInteger retriesInFlight = new AtomicInteger();
    private volatile Shape shape;
    private volatile EndpointSet set;

    /** What the set is built from: the configuration part of it. */
    private record Shape(List<Endpoint> endpoints, BalancerKind kind, HashOn hashOn, double panicThreshold) {}

    /**
     * @param background where rebuilds run (the gateway's background loop; a direct executor in tests)
     */
    public Upstream(String name, Executor background, Ticker ticker) {
        this.name = name;
        this.background = background;
        this.ticker = ticker;
    }

    public String name() {
        return name;
    }

    /** The clock endpoint health is read with. */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Installs a new endpoint list and balancing settings and builds the set at once. Config thread only.
     *
     * @param panicThreshold when fewer than this fraction of endpoints is healthy, every endpoint is eligible; 0 never
     */
    public void configure(List<Endpoint> endpoints, BalancerKind kind, HashOn hashOn, double panicThreshold) {
        shape = new Shape(List.copyOf(endpoints), kind, hashOn, panicThreshold);
        dirty.set(false);
        rebuild();
    }

    /** The endpoints picks choose from now. */
    public EndpointSet endpoints() {
        return set;
    }

    /** Schedules a rebuild of the set after a health or breaker change. Any thread. */
    public void refresh() {
        if (dirty.compareAndSet(false, true)) {
            background.execute(() -> {
                dirty.set(false);
                rebuild();
            });
        }
    }

    /**
     * Builds the set from the current shape and health. Synchronized because the config thread (configure) and the
     * background loop (refresh) may both rebuild, and a rebuild from the old shape must not finish last; neither is
     * an event loop, which only reads {@code set}.
     */
    private synchronized void rebuild() {
        final Shape s = shape;
        if (s == null) {
            return;
        }
        final long now = ticker.nanoTime();
        final List<Endpoint> healthy = new ArrayList<>(s.endpoints().size());
        for (final Endpoint e : s.endpoints()) {
            if (e.isAvailable(now)) {
                healthy.add(e);
            }
        }
        final boolean panic = s.panicThreshold() > 0 && healthy.size() < s.panicThreshold() * s.endpoints().size();
        final List<Endpoint> eligible = panic ? s.endpoints() : List.copyOf(healthy);
        final EndpointSet previous = set;
        set = new EndpointSet(s.endpoints(), eligible, eligible.isEmpty() ? null
                : LoadBalancers.create(s.kind(), s.hashOn(), eligible), panic);
        if (previous != null && (previous.eligible().size() != eligible.size() || previous.panic() != panic)) {
            log.info("upstream {}: {} of {} endpoints eligible{}", name, eligible.size(), s.endpoints().size(),
                    panic ? " (panic mode: too few healthy, using all)" : "");
        }
    }

    /**
     * Picks an endpoint for one attempt. The balancer's choice is offered to {@code filter} first; when the filter
     * refuses it (already tried, breaker has no permit), the other eligible endpoints are offered from a random
     * start, first those the filter accepts as new, then any it accepts at all.
     *
     * @return the endpoint the filter accepted, or {@code null} when none was eligible or accepted
     */
    public Endpoint pick(PickContext request, EndpointFilter filter) {
        final EndpointSet s = set;
        if (s.balancer() == null) {
            return null;
        }
        final Endpoint first = s.balancer().pick(request);
        if (filter.accept(first, /* allowRepeat= */ false)) {
            return first;
        }
        final List<Endpoint> eligible = s.eligible();
        final int n = eligible.size();
        final int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int pass = 0; pass < 2; pass++) {
            final boolean allowRepeat = pass == 1;
            for (int i = 0; i < n; i++) {
                final Endpoint e = eligible.get((start + i) % n);
                if ((e != first || allowRepeat) && filter.accept(e, allowRepeat)) {
                    return e;
                }
            }
        }
        return null;
    }

    /**
     * Takes a slot for one retry if the budget allows: retries in flight stay below {@code fraction} of the requests
     * in flight to this upstream, or {@code minConcurrency}, whichever is larger. Pair with {@link #releaseRetry()}.
     */
    public boolean tryAcquireRetry(double fraction, int minConcurrency) {
        int active = 0;
        for (final Endpoint e : set.all()) {
            active += e.inFlight();
        }
        final int allowed = Math.max(minConcurrency, (int) (fraction * active));
        while (true) {
            final int current = retriesInFlight.get();
            if (current >= allowed) {
                return false;
            }
            if (retriesInFlight.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    public void releaseRetry() {
        retriesInFlight.decrementAndGet();
    }

    /** Retries in flight now. */
    public int retriesInFlight() {
        return retriesInFlight.get();
    }

    /** Decides whether an endpoint may take the attempt being placed; see {@link Upstream#pick}. */
    public interface EndpointFilter {
        /**
         * @param allowRepeat true when endpoints already tried by this request may be accepted too
         * @return true to take {@code endpoint} (the filter has then taken whatever permit it needs)
         */
        boolean accept(Endpoint endpoint, boolean allowRepeat);
    }
}
