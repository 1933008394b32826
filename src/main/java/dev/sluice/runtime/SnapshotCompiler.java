package dev.sluice.runtime;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.PolicySpec;
import dev.sluice.policy.Policy;
import dev.sluice.policy.PolicyChain;
import dev.sluice.policy.PolicyContext;
import dev.sluice.policy.PolicyServices;
import dev.sluice.config.RouteSpec;
import dev.sluice.config.ServerSpec;
import dev.sluice.config.StaticResponseSpec;
import dev.sluice.config.TargetSpec;
import dev.sluice.config.UpstreamSpec;
import dev.sluice.routing.PathRewrite;
import dev.sluice.routing.RouteCompileException;
import dev.sluice.routing.RouteDefinition;
import dev.sluice.routing.Router;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.balance.LoadBalancers;
import dev.sluice.upstream.balance.RandomSource;
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
 * their balancers, and each route's pre-encoded actions.
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
    private long version;

    /** A compiler with the built-in policy types and embedded-mode services (for validation and tests). */
    public SnapshotCompiler(StateRegistry state) {
        this(state, BuiltinPolicies.factories(), PolicyServices.embedded());
    }

    public SnapshotCompiler(StateRegistry state, PolicyFactories policyFactories, PolicyServices services) {
        this.state = state;
        this.policyFactories = policyFactories;
        this.services = services;
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
            final CompiledRoute route = compileRoute(i, spec, server, upstreams, problems, compilePolicies(i, spec,
                    problems));
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
            state.discardUsage();
            return new Result(null, List.copyOf(problems));
        }
        state.retainOnly(usedKeys);
        final ListenerSettings listener = new ListenerSettings(
                server.requestHeaderTimeout().toNanos(),
                server.bodyTimeout().toNanos(),
                server.idleTimeout().toNanos(),
                server.maxBodySize().bytes(),
                TrustedProxies.of(server.trustedProxies()));
        return new Result(new RuntimeSnapshot(++version, config, router, Map.copyOf(upstreams), listener), List.of());
    }

    private CompiledUpstream compileUpstream(String name, UpstreamSpec spec, Set<String> usedKeys) {
        final List<Endpoint> endpoints = new ArrayList<>(spec.targets().size());
        for (TargetSpec target : spec.targets()) {
            final URI uri = URI.create(target.url());
            final int port = uri.getPort() > 0 ? uri.getPort() : 80;
            endpoints.add(state.endpoint(name, uri.getHost(), port, target.weight(), usedKeys));
        }
        final PoolSettings pool = new PoolSettings(spec.pool().maxConnections(), spec.pool().maxPending(),
                spec.pool().idleTimeout().toNanos(), (int) Math.min(Integer.MAX_VALUE,
                        spec.connectTimeout().toMillis()));
        return new CompiledUpstream(name, List.copyOf(endpoints),
                LoadBalancers.create(spec.balancer(), spec.hashOn(), endpoints, RandomSource.threadLocal()),
                spec.responseTimeout().toNanos(), pool);
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

    private static CompiledRoute compileRoute(int index, RouteSpec spec, ServerSpec server,
            Map<String, CompiledUpstream> upstreams, List<String> problems, PolicyChain policies) {
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
        final long timeout = spec.timeout() != null ? spec.timeout().toNanos()
                : upstream != null ? upstream.responseTimeoutNanos() : 0;
        return new CompiledRoute(spec.id(), upstream, compileStatic(spec.staticResponse()), spec.stripPrefix(),
                rewrite, spec.preserveHost(), spec.hostRewrite(), HeaderRules.of(spec.requestHeaders()),
                HeaderRules.of(spec.responseHeaders()), maxBody, timeout, policies);
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
