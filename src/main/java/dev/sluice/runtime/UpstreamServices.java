package dev.sluice.runtime;

import dev.sluice.common.Ticker;
import dev.sluice.observability.GatewayMetrics;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.net.SocketAddress;
import java.util.concurrent.Executor;

/**
 * What the compiler needs to build the live parts of upstreams: the clock, the metrics, and the background event loop
 * on which health probes, breaker timers and balancer rebuilds run (never a request's loop).
 *
 * @param ticker      the clock breakers and health checks read
 * @param metrics     the gateway's metrics
 * @param background  the background loop, or {@code null} for a compile that only validates (then nothing is
 *                    started: no probes, no timers)
 * @param channelType the socket channel class of the gateway's transport, for health probes
 * @param resolver    DNS resolution for health probes
 */
public record UpstreamServices(Ticker ticker, GatewayMetrics metrics, EventLoopGroup background,
        Class<? extends SocketChannel> channelType, AddressResolverGroup<? extends SocketAddress> resolver) {

    /** Services for a compile that checks a configuration and starts nothing. */
    public static UpstreamServices inert() {
        return new UpstreamServices(Ticker.system(), GatewayMetrics.create(), null, NioSocketChannel.class,
                DefaultAddressResolverGroup.INSTANCE);
    }

    /** True when background work (probes, timers) may be started. */
    public boolean isLive() {
        return background != null;
    }

    /** Where balancer rebuilds run: the background loop, or the calling thread in an inert compile. */
    public Executor executor() {
        return background == null ? Runnable::run : background.next();
    }
}
