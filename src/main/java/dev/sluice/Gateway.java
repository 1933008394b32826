package dev.sluice;

import dev.sluice.cluster.ClusterServices;
import dev.sluice.common.Ticker;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.ServerSpec;
import dev.sluice.config.source.FileConfigSource;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.breaker.BreakerSnapshot;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.runtime.CompiledRoute;
import dev.sluice.runtime.CompiledUpstream;
import dev.sluice.runtime.UpstreamServices;
import dev.sluice.upstream.Endpoint;
import dev.sluice.policy.PolicyServices;
import dev.sluice.runtime.BuiltinPolicies;
import dev.sluice.runtime.RuntimeSnapshot;
import dev.sluice.runtime.SnapshotCompiler;
import dev.sluice.runtime.SnapshotHolder;
import dev.sluice.runtime.StateRegistry;
import dev.sluice.server.ListenerBootstrap;
import dev.sluice.server.Transport;
import dev.sluice.upstream.pool.PoolRegistry;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running gateway: the listener, its event loops, the upstream pools and the snapshot in force; and the
 * lifecycle around them (start, live reconfiguration, graceful stop).
 *
 * <pre>{@code
 * Gateway gw = Gateway.start(config);      // binds server.listen
 * gw.apply(newConfig);                     // validated elsewhere; compiled and swapped here
 * gw.stop();                               // drain in-flight requests, then close
 * }</pre>
 *
 * <p>Threading: {@link #apply} runs the compile on a single config thread, never on an event loop; the swap is
 * one volatile write. {@link #stop} blocks the calling thread while connections drain.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final Transport transport;
    private final MultiThreadIoEventLoopGroup group;
    private final MultiThreadIoEventLoopGroup background;
    private final GatewayMetrics metrics;
    private final SnapshotCompiler compiler;
    private final SnapshotHolder snapshots;
    private final PoolRegistry pools;
    private final DnsAddressResolverGroup resolver;
    private final ListenerBootstrap listener;
    private final ExecutorService configThread;
    private final InetSocketAddress address;
    private volatile FileConfigSource fileSource;
    private final ClusterServices cluster;
    private volatile boolean stopped;

    private Gateway(GatewayConfig config) throws InterruptedException {
        this.transport = Transport.best();
        final StateRegistry state = new StateRegistry();
        this.metrics = GatewayMetrics.create();
        // Health probes, breaker timers and balancer rebuilds: one thread of their own, never a request's loop.
        this.background = transport.newGroup(1, "sluice-background");
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelType(transport.datagramChannel())
                .socketChannelType(transport.socketChannel()));
        // Cluster membership is fixed at startup: a change of cluster.* needs a restart (logged on reload).
        this.cluster = config.cluster().isEnabled() ? ClusterServices.start(config.cluster()) : null;
        this.compiler = new SnapshotCompiler(state, BuiltinPolicies.factories(),
                new PolicyServices(Ticker.system(), cluster == null ? null : cluster.rateLimits(), metrics),
                new UpstreamServices(Ticker.system(), metrics, background, transport.socketChannel(), resolver));
        final SnapshotCompiler.Result first = compiler.compile(config);
        if (!first.isOk()) {
            if (cluster != null) {
                cluster.close();
            }
            resolver.close();
            background.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new InvalidConfigException(first.problems());
        }
        this.snapshots = new SnapshotHolder(first.snapshot());
        final ServerSpec server = config.server();
        this.group = transport.newGroup(server.workers(), "sluice-loop");
        // Upstream response heads up to 64 KiB: upstreams set many cookies and headers more often than clients do.
        this.pools = new PoolRegistry(transport.socketChannel(), resolver, 64 * 1024);
        this.listener = new ListenerBootstrap(transport, group, snapshots, pools);
        this.configThread = Executors.newSingleThreadExecutor(r -> {
            final Thread t = new Thread(r, "sluice-config");
            t.setDaemon(true);
            return t;
        });
        try {
            this.address = listener.bind(parseListen(server.listen()), server.maxRequestLineLength(),
                    server.maxHeaderSize());
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            background.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            configThread.shutdownNow();
            throw e;
        }
        log.info("sluice listening on {} ({} transport, {} event loops, {} routes)", address, transport.name(),
                group.executorCount(), config.routes().size());
    }

    /** Compiles {@code config} and starts listening on {@code server.listen}. */
    public static Gateway start(GatewayConfig config) throws InterruptedException {
        return new Gateway(config);
    }

    /** The bound listener address (the real port when configured with port 0). */
    public InetSocketAddress address() {
        return address;
    }

    public RuntimeSnapshot snapshot() {
        return snapshots.current();
    }

    public PoolRegistry pools() {
        return pools;
    }

    /** The gateway's metrics. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /**
     * Every circuit breaker of the running configuration with its figures: the routes' (named {@code route/ID}) and
     * the upstream endpoints' ({@code upstream/NAME/HOST:PORT}).
     */
    public List<BreakerView> breakers() {
        final RuntimeSnapshot snapshot = snapshots.current();
        final List<BreakerView> views = new ArrayList<>();
        for (final CompiledRoute route : snapshot.routes()) {
            if (route.breaker() != null) {
                views.add(new BreakerView(route.breaker().name(), route.breaker().snapshot()));
            }
        }
        for (final CompiledUpstream upstream : snapshot.upstreams().values()) {
            for (final Endpoint endpoint : upstream.endpoints()) {
                final CircuitBreaker breaker = endpoint.breaker();
                if (breaker != null) {
                    views.add(new BreakerView(breaker.name(), breaker.snapshot()));
                }
            }
        }
        return views;
    }

    /** One circuit breaker's name and figures at one instant. */
    public record BreakerView(String name, BreakerSnapshot figures) {}

    /** The cluster membership, or {@code null} in embedded mode. */
    public ClusterServices cluster() {
        return cluster;
    }

    /**
     * Compiles {@code config} on the config thread and, when it compiles, swaps it in. Listener settings that
     * need a new socket (listen address, worker count) keep their running values until restart.
     *
     * @return the problems that prevented the change (empty when it was applied)
     */
    public List<String> apply(GatewayConfig config) {
        final Future<List<String>> result = configThread.submit(() -> {
            final SnapshotCompiler.Result compiled = compiler.compile(config);
            if (!compiled.isOk()) {
                return compiled.problems();
            }
            if (!config.cluster().equals(snapshots.current().config().cluster())) {
                log.warn("cluster settings changed; they take effect at the next restart");
            }
            final RuntimeSnapshot previous = snapshots.swap(compiled.snapshot());
            log.info("configuration {} applied ({} routes, {} upstreams; was version {})",
                    compiled.snapshot().version(), config.routes().size(), config.upstreams().size(),
                    previous.version());
            return List.of();
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("interrupted while applying configuration");
        } catch (java.util.concurrent.ExecutionException e) {
            log.error("configuration compile failed", e.getCause());
            return List.of("internal error while compiling: " + e.getCause());
        }
    }

    /**
     * Watches {@code file} and applies each valid change live; an invalid change is logged with every problem and
     * the running configuration stays. The file's current content is applied first if it differs from the
     * running configuration.
     *
     * @param env resolves {@code ${VAR}} references (production: {@code System::getenv})
     */
    public void watch(Path file, Function<String, String> env) throws IOException {
        final FileConfigSource source = new FileConfigSource(file, text -> applyText(text, file.toString(), env));
        fileSource = source;
        applyText(source.start(), file.toString(), env);
    }

    /** Parses, validates and applies one version of a configuration file's text; logs the outcome. */
    private void applyText(String text, String origin, Function<String, String> env) {
        final ConfigResult parsed = ConfigLoader.parse(text, origin, env);
        if (!parsed.isValid()) {
            log.error("configuration change in {} rejected, the running configuration stays:\n  {}", origin,
                    String.join("\n  ", parsed.problems().stream().map(Object::toString).toList()));
            return;
        }
        if (parsed.config().equals(snapshots.current().config())) {
            return; // the same configuration, e.g. the file's baseline at startup
        }
        final List<String> problems = apply(parsed.config());
        if (!problems.isEmpty()) {
            log.error("configuration change in {} rejected, the running configuration stays:\n  {}", origin,
                    String.join("\n  ", problems));
        }
    }

    /** Graceful stop with the configured shutdown timeout. */
    public void stop() {
        stop(snapshots.current().config().server().shutdownTimeout().toNanos());
    }

    /**
     * Stops accepting connections, lets in-flight requests finish for up to {@code drainNanos}, then closes the
     * rest and releases the event loops. Idempotent.
     */
    public synchronized void stop(long drainNanos) {
        if (stopped) {
            return;
        }
        stopped = true;
        final FileConfigSource source = fileSource;
        if (source != null) {
            source.close();
        }
        try {
            listener.stopAccepting();
            final int left = listener.connections().drain(drainNanos);
            if (left > 0) {
                log.warn("{} connections still open after the shutdown timeout; closing them", left);
                listener.connections().closeAll();
            }
            pools.closeAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            configThread.shutdownNow();
            background.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            resolver.close();
            if (cluster != null) {
                cluster.close();
            }
            // Bounded: a stuck loop must not keep the process from exiting after SIGTERM.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            log.info("sluice stopped");
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static InetSocketAddress parseListen(String listen) {
        final int colon = listen.lastIndexOf(':');
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        final int port = Integer.parseInt(listen.substring(colon + 1));
        return host.isEmpty() || host.equals("*") ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    }

    /** The initial configuration did not compile. */
    public static final class InvalidConfigException extends RuntimeException {
        private final List<String> problems;

        public InvalidConfigException(List<String> problems) {
            super("invalid configuration:\n  " + String.join("\n  ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
