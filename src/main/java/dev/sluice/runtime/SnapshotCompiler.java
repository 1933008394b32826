package dev.sluice.runtime;

import dev.sluice.config.CircuitBreakerSpec;
import dev.sluice.config.ConcurrencySpec;
import dev.sluice.config.FallbackSpec;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.HealthCheckSpec;
import dev.sluice.config.OutcomeSet;
import dev.sluice.config.PolicySpec;
import dev.sluice.config.RetrySpec;
import dev.sluice.config.RouteSpec;
import dev.sluice.config.ServerSpec;
import dev.sluice.config.StaticResponseSpec;
import dev.sluice.config.StatusSet;
import dev.sluice.config.TargetSpec;
import dev.sluice.config.TimeoutsSpec;
import dev.sluice.config.UpstreamSpec;
import dev.sluice.observability.AccessLog;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.Policy;
import dev.sluice.policy.PolicyChain;
import dev.sluice.policy.PolicyContext;
import dev.sluice.policy.PolicyServices;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.routing.PathRewrite;
import dev.sluice.routing.RouteCompileException;
import dev.sluice.routing.RouteDefinition;
import dev.sluice.routing.Router;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.health.HealthListener;
import dev.sluice.upstream.health.OutlierDetector;
import dev.sluice.upstream.pool.PoolSettings;
import io.netty.util.AsciiString;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a validated {@link GatewayConfig} into a {@link RuntimeSnapshot}: builds the router, the upstreams with
 * their health-aware endpoint sets, breakers, health checks and concurrency gates, and each route's pre-encoded
 * actions, timeouts, retry policy, breaker and fallback. Live parts come from the {@link StateRegistry}, so an
 * unchanged spec keeps its state across the reload; {@link ResilienceFactory} builds new ones.
 *
 * <p>Threading: one config thread at a time (it mutates the {@link StateRegistry}); never an event loop, since
 * compiling thousands of routes takes milliseconds.
 *
 * <p>Compilation can still find problems the validator cannot see (a path template that does not parse, a regex
 * that does not compile); they are returned by path, like validation problems, and nothing is installed.
 */
public final class SnapshotCompiler {
    private final StateRegistry state;
    private final PolicyFactories policyFactories;
    private final PolicyServices services;
    private final UpstreamServices upstreamServices;
    private final ResilienceFactory resilience;
    private long version;

    /**
     * A compiler with the built-in policy types and inert services: it checks and builds a configuration but starts
     * nothing (no health probes, no timers). For {@code sluice validate} and tests.
     */
    public SnapshotCompiler(StateRegistry state) {
        this(state, BuiltinPolicies.factories(), PolicyServices.embedded(), UpstreamServices.inert());
    }

    public SnapshotCompiler(StateRegistry state, PolicyFactories policyFactories, PolicyServices services,
            UpstreamServices upstreamServices) {
        this.state = state;
        this.policyFactories = policyFactories;
        this.services = services;
        this.upstreamServices = upstreamServices;
        this.resilience = new ResilienceFactory(upstreamServices);
    }

    /** The outcome of a compile: a snapshot, or the problems that prevented one. */
    public record Result(RuntimeSnapshot snapshot, List<String> problems) {
        public boolean isOk() {
            return snapshot != null;
        }
    }

    /** Compiles {@code config}; on success the registry's live state is reconciled with the new snapshot. */
    public Result compile(GatewayConfig config) {
        final List<String> problems = new ArrayList<>();
        final Set<String> usedKeys = new HashSet<>();
        final Map<String, CompiledUpstream> upstreams = new LinkedHashMap<>();
        config.upstreams().forEach((name, spec) -> upstreams.put(name, compileUpstream(name, spec, usedKeys)));

        final ServerSpec server = config.server();
        final List<RouteDefinition<CompiledRoute>> definitions = new ArrayList<>(config.routes().size());
        for (int i = 0; i < config.routes().size(); i++) {
            final RouteSpec spec = config.routes().get(i);
            final CompiledRoute route = compileRoute(i, spec, server, config.upstreams(), upstreams, problems,
                    compilePolicies(i, spec, problems));
            if (route != null) {
                definitions.add(new RouteDefinition<>(spec.id(), spec.priority(), spec.match(), route));
            }
        }
        Router<CompiledRoute> router = null;
        try {
            router = Router.compile(definitions);
        } catch (RouteCompileException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            state.rollback();
            return new Result(null, List.copyOf(problems));
        }
        state.commit(usedKeys);
        final ListenerSettings listener = new ListenerSettings(
                server.requestHeaderTimeout().toNanos(),
                server.bodyTimeout().toNanos(),
                server.idleTimeout().toNanos(),
                server.maxBodySize().bytes(),
                TrustedProxies.of(server.trustedProxies()),
                AccessLog.of(server.accessLog()));
        final List<CompiledRoute> routes = definitions.stream().map(RouteDefinition::target).toList();
        return new Result(new RuntimeSnapshot(++version, config, router, routes, Map.copyOf(upstreams), listener,
                upstreamServices.metrics()), List.of());
    }

    private CompiledUpstream compileUpstream(String name, UpstreamSpec spec, Set<String> usedKeys) {
        final List<Endpoint> endpoints = new ArrayList<>(spec.targets().size());
        for (TargetSpec target : spec.targets()) {
            final URI uri = URI.create(target.url());
            final int port = uri.getPort() > 0 ? uri.getPort() : 80;
            endpoints.add(state.endpoint(name, uri.getHost(), port, target.weight(), usedKeys));
        }
        final PoolSettings pool = new PoolSettings(spec.pool().maxConnections(), spec.pool().maxPending(),
                spec.pool().idleTimeout().toNanos());
        final String at = "upstream/" + name;
        // The live upstream is kept for as long as its name exists, so health listeners and the retry budget
        // always reach the object the running snapshot uses.
        final Upstream live = state.state(at, name, () -> new Upstream(name, upstreamServices.executor(),
                upstreamServices.ticker()));
        final List<String> endpointKeys = endpoints.stream().map(Endpoint::key).toList();

        final CircuitBreakerSpec breakerSpec = spec.circuitBreaker();
        final List<CircuitBreaker> breakers = new ArrayList<>(endpoints.size());
        for (final Endpoint e : endpoints) {
            breakers.add(breakerSpec == null ? null : state.state(at + "/" + e.key() + "/breaker", breakerSpec,
                    () -> resilience.endpointBreaker(name, e, breakerSpec, live)));
        }
        final HealthCheckSpec health = spec.healthCheck();
        final HealthCheckSpec.Passive passive = health == null ? null : health.passive();
        final OutlierDetector outlier = passive == null ? null : state.state(at + "/passive",
                List.of(passive, endpointKeys), () -> resilience.outlierDetector(name, passive, endpoints, live));
        final HealthCheckSpec.Active active = health == null ? null : health.active();
        final ResilienceFactory.ActiveProbes probes = active == null || !upstreamServices.isLive() ? null
                : state.state(at + "/active", List.of(active, endpointKeys),
                        () -> resilience.activeProbes(name, active, endpoints, live));
        final ConcurrencySpec concurrency = spec.concurrency();
        final ConcurrencyGate gate = concurrency == null ? null : state.state(at + "/concurrency", concurrency,
                () -> resilience.gate(concurrency));
        final double panic = health == null ? 0 : health.panicThreshold().fraction();
        state.onCommit(() -> {
            for (int i = 0; i < endpoints.size(); i++) {
                endpoints.get(i).setBreaker(breakers.get(i));
            }
            if (probes != null) {
                probes.start();
            } else if (active == null) {
                final long now = upstreamServices.ticker().nanoTime();
                final HealthListener events = resilience.healthEvents(name, live, endpoints);
                for (final Endpoint e : endpoints) {
                    e.health().clearActiveVerdict(e, now, events);
                }
            }
            live.configure(endpoints, spec.balancer(), spec.hashOn(), panic);
        });
        return new CompiledUpstream(name, live, List.copyOf(endpoints), spec.timeouts(), pool,
                breakerSpec == null ? null : OutcomeSet.parse(breakerSpec.failureOn()), outlier,
                passive == null ? null : OutcomeSet.parse(passive.failureOn()), gate, spec.retryBudget());
    }

    /** Builds the route's policy chain; state is keyed {@code routeId/policyName} so reloads keep it. */
    private PolicyChain compilePolicies(int index, RouteSpec route, List<String> problems) {
        if (route.policies().isEmpty()) {
            return PolicyChain.EMPTY;
        }
        final List<Policy> built = new ArrayList<>(route.policies().size());
        for (int p = 0; p < route.policies().size(); p++) {
            final PolicySpec spec = route.policies().get(p);
            final PolicyContext context = new PolicyContext() {
                @Override
                public String routeId() {
                    return route.id();
                }

                @Override
                public <T> T state(String key, Object stateSpec, java.util.function.Supplier<T> create) {
                    return SnapshotCompiler.this.state.state(key, stateSpec, create);
                }

                @Override
                public PolicyServices services() {
                    return services;
                }
            };
            try {
                built.add(policyFactories.create(spec, context));
            } catch (IllegalArgumentException e) {
                problems.add("routes[" + index + "].policies[" + p + "]." + spec.type() + ": " + e.getMessage());
            }
        }
        return PolicyChain.of(built);
    }

    private CompiledRoute compileRoute(int index, RouteSpec spec, ServerSpec server,
            Map<String, UpstreamSpec> upstreamSpecs, Map<String, CompiledUpstream> upstreams, List<String> problems,
            PolicyChain policies) {
        final String at = "routes[" + index + "]";
        PathRewrite rewrite = null;
        if (spec.rewrite() != null) {
            try {
                rewrite = PathRewrite.compile(spec.rewrite());
                for (String variable : rewrite.variables()) {
                    if (!declaresCapture(spec, variable)) {
                        problems.add(at + ".rewrite: {" + variable + "} is not captured by the route's path");
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(at + ".rewrite: " + e.getMessage());
            }
        }
        final long maxBody = spec.maxBodySize() != null ? spec.maxBodySize().bytes() : server.maxBodySize().bytes();
        final CompiledUpstream upstream = spec.upstream() == null ? null : upstreams.get(spec.upstream());
        if (spec.upstream() != null && upstream == null) {
            problems.add(at + ".upstream: no upstream named \"" + spec.upstream() + "\"");
            return null;
        }
        final CallTimeouts timeouts = CallTimeouts.of(spec.timeouts(),
                upstream == null ? TimeoutsSpec.none() : upstream.timeouts());
        final String key = "route/" + spec.id();
        final RetrySpec retrySpec = spec.retry();
        final CompiledRetry retry = retrySpec == null || upstream == null ? null : new CompiledRetry(
                retrySpec.attempts(), OutcomeSet.parse(retrySpec.on()), retrySpec.nonIdempotent(),
                retrySpec.backoff().base().toNanos(), retrySpec.backoff().max().toNanos(), retrySpec.buffer().bytes(),
                upstreamServices.metrics().counter(GatewayMetrics.RETRIES, "route", spec.id(), "upstream",
                        upstream.name()),
                upstreamServices.metrics().counter(GatewayMetrics.RETRIES_BUDGET_EXHAUSTED, "route", spec.id(),
                        "upstream", upstream.name()));
        final CircuitBreakerSpec breakerSpec = spec.circuitBreaker();
        final CircuitBreaker breaker = breakerSpec == null ? null : state.state(key + "/breaker", breakerSpec,
                () -> resilience.routeBreaker(spec.id(), breakerSpec));
        final ConcurrencySpec concurrencySpec = spec.concurrency();
        final ConcurrencyGate gate = concurrencySpec == null ? null : state.state(key + "/concurrency",
                concurrencySpec, () -> resilience.gate(concurrencySpec));
        CompiledFallback fallback = null;
        if (spec.fallback() != null) {
            final FallbackSpec f = spec.fallback();
            final CompiledUpstream alternative = f.upstream() == null ? null : upstreams.get(f.upstream());
            fallback = new CompiledFallback(compileStatic(f.staticResponse()), alternative,
                    CallTimeouts.of(spec.timeouts(), alternative == null ? TimeoutsSpec.none()
                            : upstreamSpecs.get(f.upstream()).timeouts()),
                    f.onStatus().isEmpty() ? StatusSet.NONE : StatusSet.parse(f.onStatus()));
        }
        return new CompiledRoute(spec.id(), upstream, compileStatic(spec.staticResponse()), spec.stripPrefix(),
                rewrite, spec.preserveHost(), spec.hostRewrite(), HeaderRules.of(spec.requestHeaders()),
                HeaderRules.of(spec.responseHeaders()), maxBody, timeouts, policies, retry, breaker,
                breakerSpec == null ? null : OutcomeSet.parse(breakerSpec.failureOn()), fallback, gate);
    }

    private static boolean declaresCapture(RouteSpec spec, String name) {
        final String p = spec.match().path() != null ? spec.match().path() : spec.match().pathPrefix();
        if (p != null && (p.contains("{" + name + "}") || p.contains("{*" + name + "}"))) {
            return true;
        }
        return spec.match().pathRegex() != null && spec.match().pathRegex().contains("(?<" + name + ">");
    }

    private static StaticResponse compileStatic(StaticResponseSpec spec) {
        if (spec == null) {
            return null;
        }
        final AsciiString[] names = new AsciiString[spec.headers().size()];
        final AsciiString[] values = new AsciiString[spec.headers().size()];
        int i = 0;
        for (Map.Entry<String, String> e : spec.headers().entrySet()) {
            names[i] = AsciiString.cached(e.getKey().toLowerCase(java.util.Locale.ROOT));
            values[i] = new AsciiString(e.getValue());
            i++;
        }
        return new StaticResponse(spec.status(), names, values, spec.body().getBytes(StandardCharsets.UTF_8));
    }
}
