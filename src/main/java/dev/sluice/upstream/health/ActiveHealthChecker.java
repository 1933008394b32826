package dev.sluice.upstream.health;

import static java.util.Objects.requireNonNull;

import dev.sluice.common.Ticker;
import dev.sluice.upstream.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/*
 * Threading: each endpoint has a Prober bound to one event loop of the group, chosen at construction; its
 * scheduling, connection, handler callbacks and counters all run on that loop, so a Prober needs no synchronisation.
 * The verdict is published through EndpointHealth's CAS (see there); the listener runs on the loop, after the CAS.
 * close() may run on any thread: it sets a volatile flag and asks each loop to stop its prober.
 *
 * Ownership: each probe has its own channel; the response head and every body chunk are released as they are read
 * (channelRead, finally), so the body streams through and is never held. The request is a FullHttpRequest with an
 * empty, unreleasable buffer, handed to the encoder.
 *
 * Algorithm: probe, wait for it to end (response complete, channel closed or timeout), then wait interval +/- a
 * uniformly random jitter and probe again; the first probe of each endpoint waits a random fraction of the interval
 * so that restarting a fleet of gateways does not synchronise their probes. A probe passes when the status of the
 * response head is expected; it fails on another status, a connect error, a reset or close before the head, or no
 * head within the timeout (which covers resolve + connect + response head). The verdict is taken at the head; the
 * body is drained until it ends or the same timeout, then the connection is closed ("Connection: close" in the
 * request asks the server to close first). Counters: passes and failures in a row, each reset by the other;
 * unhealthyThreshold failures make a healthy endpoint unhealthy, healthyThreshold passes make an unhealthy one
 * healthy. An endpoint starts in whatever state its EndpointHealth is in (healthy when new), so a reload keeps it.
 */

/**
 * Active health checking of one upstream: probes every endpoint with {@code GET <path>} over HTTP/1.1 and marks it
 * unhealthy after too many failed probes in a row, healthy again after enough passes.
 *
 * <p>Probes start when the checker is created and stop when it is closed. They run on the given event loop group
 * (the gateway gives a dedicated one, away from the request path) and never block it.
 *
 * <pre>{@code
 * final ActiveHealthChecker checker = new ActiveHealthChecker(settings, endpoints, healthGroup,
 *         NioSocketChannel.class, DefaultAddressResolverGroup.INSTANCE, Ticker.system(), new Random(), listener);
 * ...
 * checker.close();
 * }</pre>
 */
public final class ActiveHealthChecker implements AutoCloseable {
    private static final String USER_AGENT = "sluice-health-check";

    private final ActiveCheckSettings settings;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final HealthListener listener;
    private final long intervalNanos;
    private final long jitterNanos;
    private final long timeoutNanos;
    private final List<Prober> probers;
    private volatile boolean closed;

    /**
     * Creates the checker of an upstream and starts probing each endpoint.
     *
     * @param group       runs the probes; each endpoint is bound to one of its loops
     * @param channelType the socket channel class matching {@code group}'s transport
     * @param resolver    resolves endpoint host names when a probe connects
     * @param ticker      timestamps health changes
     * @param random      draws the jitter; called from several event loops at once, so it must be thread-safe, as
     *                    {@link java.util.Random} is
     * @param listener    told when a verdict changes an endpoint's health
     */
    public ActiveHealthChecker(ActiveCheckSettings settings, List<Endpoint> endpoints, EventLoopGroup group,
            Class<? extends SocketChannel> channelType, AddressResolverGroup<? extends SocketAddress> resolver,
            Ticker ticker, RandomGenerator random, HealthListener listener) {
        this.settings = requireNonNull(settings, "settings");
        requireNonNull(endpoints, "endpoints");
        requireNonNull(group, "group");
        requireNonNull(channelType, "channelType");
        requireNonNull(resolver, "resolver");
        this.ticker = requireNonNull(ticker, "ticker");
        this.random = requireNonNull(random, "random");
        this.listener = requireNonNull(listener, "listener");
        this.intervalNanos = settings.interval().toNanos();
        this.jitterNanos = settings.jitter().toNanos();
        this.timeoutNanos = settings.timeout().toNanos();
        final Bootstrap bootstrap = new Bootstrap()
                .channel(channelType)
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true);
        final List<Prober> list = new ArrayList<>(endpoints.size());
        for (Endpoint endpoint : endpoints) {
            list.add(new Prober(endpoint, group.next(), bootstrap));
        }
        this.probers = List.copyOf(list);
        for (Prober prober : probers) {
            prober.start(random.nextLong(intervalNanos));
        }
    }

    /** Returns the settings this checker applies. */
    public ActiveCheckSettings settings() {
        return settings;
    }

    /** Stops probing: no probe starts after this, and verdicts of probes in flight are ignored. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Prober prober : probers) {
            prober.stop();
        }
    }

    @Override
    public String toString() {
        return "ActiveHealthChecker(GET " + settings.path() + " every " + DurationText.of(intervalNanos) + ", "
                + probers.size() + " endpoints)";
    }

    /** Describes why a connection failed, for a reason text. */
    static String describe(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return "connect timed out";
        }
        if (cause instanceof ConnectException) {
            return "connection refused";
        }
        if (cause instanceof UnknownHostException) {
            return "unknown host: " + cause.getMessage();
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }

    private static String hostHeader(Endpoint endpoint) {
        final String host = endpoint.host();
        final boolean ipv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
        return (ipv6 ? "[" + host + "]" : host) + ":" + endpoint.port();
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** Probes one endpoint, one probe at a time. Its event loop only, except {@link #start} and {@link #stop}. */
    private final class Prober {
        private final Endpoint endpoint;
        private final EventLoop loop;
        private final Bootstrap bootstrap;
        private final String host;
        private int passes;
        private int failures;
        private ScheduledFuture<?> next;
        private Channel channel;

        Prober(Endpoint endpoint, EventLoop loop, Bootstrap template) {
            this.endpoint = endpoint;
            this.loop = loop;
            this.bootstrap = template.clone(loop);
            this.host = settings.host() != null ? settings.host() : hostHeader(endpoint);
        }

        /** Schedules the first probe. Any thread. */
        void start(long delayNanos) {
            onLoop(() -> schedule(delayNanos));
        }

        /** Cancels the next probe and closes the connection of the current one. Any thread. */
        void stop() {
            onLoop(() -> {
                if (next != null) {
                    next.cancel(false);
                }
                if (channel != null) {
                    channel.close();
                }
            });
        }

        private void onLoop(Runnable task) {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                // The group is shutting down: probing ends with it, and it closes the channels itself.
            }
        }

        private void schedule(long delayNanos) {
            if (closed) {
                return;
            }
            try {
                next = loop.schedule(this::probe, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // As in onLoop.
            }
        }

        private void probe() {
            if (closed) {
                return;
            }
            final Probe probe = new Probe();
            final ChannelFuture connect = bootstrap.clone()
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), probe);
                        }
                    })
                    .connect(endpoint.address());
            channel = connect.channel();
            probe.start(connect);
        }

        private void onVerdict(boolean passed, String detail) {
            if (closed) {
                return;
            }
            final EndpointHealth health = endpoint.health();
            final long now = ticker.nanoTime();
            if (passed) {
                failures = 0;
                passes = Math.min(passes + 1, settings.healthyThreshold());
                if (passes == settings.healthyThreshold()) {
                    health.setActiveHealthy(endpoint, true, count(passes, "passed probe"), now, listener);
                }
            } else {
                passes = 0;
                failures = Math.min(failures + 1, settings.unhealthyThreshold());
                if (failures == settings.unhealthyThreshold()) {
                    health.setActiveHealthy(endpoint, false, count(failures, "failed probe") + ": " + detail, now,
                            listener);
                }
            }
        }

        private void onProbeEnded() {
            channel = null;
            final long jitter = jitterNanos == 0 ? 0 : random.nextLong(-jitterNanos, jitterNanos + 1);
            schedule(intervalNanos + jitter);
        }

        /** One probe: one connection, one request, one verdict. */
        private final class Probe extends ChannelInboundHandlerAdapter {
            private boolean decided;
            private ScheduledFuture<?> deadline;

            void start(ChannelFuture connect) {
                final Channel ch = connect.channel();
                deadline = loop.schedule(() -> {
                    fail("timed out after " + DurationText.of(timeoutNanos));
                    ch.close();
                }, timeoutNanos, TimeUnit.NANOSECONDS);
                connect.addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        fail(describe(f.cause()));
                        ch.close();
                        return;
                    }
                    ch.writeAndFlush(request()).addListener((ChannelFuture w) -> {
                        if (!w.isSuccess()) {
                            fail(describe(w.cause()));
                            ch.close();
                        }
                    });
                });
                ch.closeFuture().addListener(f -> {
                    deadline.cancel(false);
                    // A failed connect may close the channel before its listeners hear of the failure.
                    fail(connect.isDone() && !connect.isSuccess() ? describe(connect.cause())
                            : "connection closed before the response");
                    onProbeEnded();
                });
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof HttpResponse response) {
                        if (response.decoderResult().isFailure()) {
                            fail("invalid response: " + describe(response.decoderResult().cause()));
                            ctx.close();
                            return;
                        }
                        final int status = response.status().code();
                        decide(settings.isExpected(status), "status " + status);
                    }
                    if (msg instanceof LastHttpContent) {
                        ctx.close();
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                fail(describe(cause));
                ctx.close();
            }

            private FullHttpRequest request() {
                final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                        settings.path(), Unpooled.EMPTY_BUFFER);
                request.headers()
                        .set(HttpHeaderNames.HOST, host)
                        .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                return request;
            }

            private void fail(String detail) {
                decide(false, detail);
            }

            /** Takes the first verdict of this probe; later ones (the close after a timeout, say) are ignored. */
            private void decide(boolean passed, String detail) {
                if (!decided) {
                    decided = true;
                    onVerdict(passed, detail);
                }
            }
        }
    }
}
