package dev.sluice.runtime;

import dev.sluice.config.CircuitBreakerSpec;
import dev.sluice.config.ConcurrencySpec;
import dev.sluice.config.HealthCheckSpec;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.breaker.BreakerListener;
import dev.sluice.policy.breaker.BreakerSettings;
import dev.sluice.policy.breaker.BreakerState;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.policy.breaker.WindowKind;
import dev.sluice.policy.concurrency.AdaptiveLimit;
import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.policy.concurrency.ConcurrencyLimit;
import dev.sluice.policy.concurrency.StaticLimit;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.health.ActiveCheckSettings;
import dev.sluice.upstream.health.ActiveHealthChecker;
import dev.sluice.upstream.health.HealthListener;
import dev.sluice.upstream.health.OutlierDetector;
import dev.sluice.upstream.health.OutlierSettings;
import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the live resilience objects of a snapshot from their validated specs: circuit breakers, concurrency gates,
 * health checkers and outlier detectors, each wired to log its events, count them in metrics and, for endpoint
 * health, to refresh its upstream's balancer.
 *
 * <p>Threading: called on the config thread; the listeners it installs run on whatever thread made the change
 * (an event loop for breakers and outlier ejections, the background loop for probes), so they only log, count and
 * schedule.
 */
final class ResilienceFactory {
    private static final Logger log = LoggerFactory.getLogger("sluice.resilience");

    private final UpstreamServices services;

    ResilienceFactory(UpstreamServices services) {
        this.services = services;
    }

    /** The breaker of a route, judging whole requests. */
    CircuitBreaker routeBreaker(String routeId, CircuitBreakerSpec spec) {
        final String name = "route/" + routeId;
        return new CircuitBreaker(name, settings(spec), services.ticker(), events(name, null));
    }

    /**
     * The breaker of one endpoint. When it opens, the endpoint leaves its upstream's balancer; a background timer
     * moves it to half-open when its open time is over, which brings the endpoint back for the trial calls.
     */
    CircuitBreaker endpointBreaker(String upstream, Endpoint endpoint, CircuitBreakerSpec spec, Upstream live) {
        final String name = "upstream/" + upstream + "/" + endpoint.key();
        return new CircuitBreaker(name, settings(spec), services.ticker(), events(name, live));
    }

    private BreakerListener events(String name, Upstream live) {
        // The count is taken at once, in the thread that made the transition (a lock-free add on a counter created
        // here, on the config thread), so it is visible before the request that caused it is answered. Logging is
        // I/O and transitions happen on event loops, so the rest is handled on the background loop.
        final Map<String, Counter> counters = new HashMap<>();
        for (final BreakerState[] t : new BreakerState[][] {{BreakerState.CLOSED, BreakerState.OPEN},
            {BreakerState.OPEN, BreakerState.HALF_OPEN}, {BreakerState.HALF_OPEN, BreakerState.CLOSED},
            {BreakerState.HALF_OPEN, BreakerState.OPEN}}) {
            counters.put(t[0] + ">" + t[1], services.metrics().counter(GatewayMetrics.BREAKER_TRANSITIONS,
                    "breaker", name, "from", lower(t[0]), "to", lower(t[1])));
        }
        return (breaker, from, to, figures) -> {
            counters.get(from + ">" + to).increment();
            offLoop(() -> {
                if (to == BreakerState.OPEN) {
                    log.warn("circuit breaker {} opened: {} of {} calls failed, {} slow; open for {} ms", name,
                            figures.failedCalls(), figures.calls(), figures.slowCalls(),
                            TimeUnit.NANOSECONDS.toMillis(figures.openRemainingNanos()));
                } else {
                    log.info("circuit breaker {}: {} -> {}", name, lower(from), lower(to));
                }
                if (live != null) {
                    live.refresh();
                    if (to == BreakerState.OPEN && services.isLive()) {
                        services.background().schedule(breaker::transitionToHalfOpenIfDue,
                                Math.max(1, figures.openRemainingNanos()), TimeUnit.NANOSECONDS);
                    }
                }
            });
        };
    }

    /** Runs {@code task} on the background loop (inline in a compile that starts nothing). */
    private void offLoop(Runnable task) {
        if (services.isLive()) {
            services.background().execute(task);
        } else {
            task.run();
        }
    }

    private static String lower(BreakerState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    static BreakerSettings settings(CircuitBreakerSpec spec) {
        final boolean time = spec.window().isTimeBased();
        final int size = time ? (int) Math.max(1, spec.window().duration().toSeconds()) : spec.window().calls();
        return new BreakerSettings(time ? WindowKind.TIME : WindowKind.COUNT, size, spec.minimumCalls(),
                spec.failureRate().fraction(), spec.slowCallRate().fraction(),
                spec.slowCall() == null ? 0 : spec.slowCall().toNanos(), spec.openFor().toNanos(), spec.trialCalls());
    }

    /** A concurrency gate: a fixed cap, or an adaptive limit under {@code max}. */
    ConcurrencyGate gate(ConcurrencySpec spec) {
        final ConcurrencyLimit limit;
        final ConcurrencySpec.Adaptive adaptive = spec.adaptive();
        if (adaptive == null) {
            limit = new StaticLimit(spec.max());
        } else {
            final AdaptiveLimit.Settings d = AdaptiveLimit.Settings.defaults();
            limit = new AdaptiveLimit(new AdaptiveLimit.Settings(adaptive.initialFor(spec.max()),
                    adaptive.minFor(spec.max()), spec.max(), d.window(), d.minWindowSamples(), d.longWindow(),
                    adaptive.tolerance(), d.smoothing(), d.backoffRatio(), d.dropThreshold()), services.ticker());
        }
        return new ConcurrencyGate(limit, spec.queue(), spec.queueTimeout());
    }

    /**
     * The passive health check of an upstream; ejections and readmissions refresh its balancer. {@code null} in a
     * compile that only validates, which has no timer to end ejections with.
     */
    OutlierDetector outlierDetector(String upstream, HealthCheckSpec.Passive spec, List<Endpoint> endpoints,
            Upstream live) {
        if (!services.isLive()) {
            return null;
        }
        final OutlierSettings.Builder settings = OutlierSettings.builder()
                .consecutiveFailures(spec.consecutiveFailures())
                .interval(spec.interval())
                .baseEjectionTime(spec.baseEjectionTime())
                .maxEjectionTime(spec.maxEjectionTime())
                .maxEjectionPercent((int) Math.round(spec.maxEjectionPercent().percent()));
        if (spec.failureRate() != null) {
            settings.failureRate((int) Math.round(spec.failureRate().percent()), spec.minimumRequests());
        }
        return new OutlierDetector(settings.build(), endpoints, services.background().next(), services.ticker(),
                healthEvents(upstream, live, endpoints));
    }

    /**
     * The active health check of an upstream. The probes begin at {@link ActiveProbes#start}, when the snapshot
     * commits: a compile that is rejected must not have probed (and changed the health of endpoints the running
     * snapshot uses).
     */
    ActiveProbes activeProbes(String upstream, HealthCheckSpec.Active spec, List<Endpoint> endpoints,
            Upstream live) {
        final List<ActiveCheckSettings.StatusRange> expected = new ArrayList<>();
        for (final String token : spec.expectedStatuses()) {
            expected.add(ActiveCheckSettings.StatusRange.parse(token));
        }
        final ActiveCheckSettings settings = ActiveCheckSettings.builder()
                .path(spec.path())
                .host(spec.host())
                .interval(spec.interval())
                .jitter(spec.interval().dividedBy(10))
                .timeout(spec.timeout())
                .healthyThreshold(spec.healthyThreshold())
                .unhealthyThreshold(spec.unhealthyThreshold())
                .expectedStatuses(expected)
                .build();
        return new ActiveProbes(() -> new ActiveHealthChecker(settings, endpoints, services.background(),
                services.channelType(), services.resolver(), services.ticker(), new Random(),
                healthEvents(upstream, live, endpoints)));
    }

    /** An upstream's active health checker, created (and so started) only when its snapshot commits. */
    static final class ActiveProbes implements AutoCloseable {
        private final Supplier<ActiveHealthChecker> create;
        private ActiveHealthChecker checker;
        private boolean closed;

        ActiveProbes(Supplier<ActiveHealthChecker> create) {
            this.create = create;
        }

        /** Starts probing, once. Config thread. */
        void start() {
            if (checker == null && !closed) {
                checker = create.get();
            }
        }

        @Override
        public void close() {
            closed = true;
            if (checker != null) {
                checker.close();
            }
        }
    }

    /**
     * Counts, logs and acts on the health changes of an upstream's endpoints: counted at once in the thread that
     * made the change (counters created here, on the config thread), logged and turned into a balancer refresh on
     * the background loop, since ejections happen on event loops and logging is I/O.
     */
    HealthListener healthEvents(String upstream, Upstream live, List<Endpoint> endpoints) {
        final Map<Endpoint, Counter[]> counters = new HashMap<>();
        for (final Endpoint e : endpoints) {
            counters.put(e, new Counter[] {
                services.metrics().counter(GatewayMetrics.HEALTH_CHANGES, "upstream", upstream, "endpoint", e.key(),
                        "to", "unhealthy"),
                services.metrics().counter(GatewayMetrics.HEALTH_CHANGES, "upstream", upstream, "endpoint", e.key(),
                        "to", "healthy")});
        }
        return (endpoint, healthy, reason) -> {
            final Counter[] c = counters.get(endpoint);
            if (c != null) {
                c[healthy ? 1 : 0].increment();
            }
            offLoop(() -> {
                if (healthy) {
                    log.info("upstream {}: endpoint {} is healthy again ({})", upstream, endpoint.key(), reason);
                } else {
                    log.warn("upstream {}: endpoint {} is unhealthy ({})", upstream, endpoint.key(), reason);
                }
                live.refresh();
            });
        };
    }
}
