package dev.sluice.server;

import dev.sluice.runtime.SnapshotHolder;
import dev.sluice.upstream.pool.PoolRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;

/**
 * Binds the client-facing listener: a server channel whose connections each get the HTTP/1.1 codec and a
 * {@link ProxyHandler}, nothing else (two handlers per pipeline).
 */
public final class ListenerBootstrap {
    private final Transport transport;
    private final EventLoopGroup group;
    private final SnapshotHolder snapshots;
    private final PoolRegistry pools;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private Channel serverChannel;

    public ListenerBootstrap(Transport transport, EventLoopGroup group, SnapshotHolder snapshots, PoolRegistry pools) {
        this.transport = transport;
        this.group = group;
        this.snapshots = snapshots;
        this.pools = pools;
    }

    /** Binds {@code address}; returns the bound address (port 0 becomes the real port). */
    public InetSocketAddress bind(InetSocketAddress address, int maxRequestLineLength, int maxHeaderSize)
            throws InterruptedException {
        final ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                // 4096: enough for a connection storm at 256+ concurrent clients without SYN drops.
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        final Http1ServerCodec codec = new Http1ServerCodec(maxRequestLineLength, maxHeaderSize);
                        ch.pipeline().addLast(codec, new ProxyHandler(snapshots, pools, codec, tracker));
                    }
                });
        serverChannel = b.bind(address).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting new connections; open ones are untouched. */
    public void stopAccepting() throws InterruptedException {
        if (serverChannel != null) {
            serverChannel.close().sync();
        }
    }

    public ConnectionTracker connections() {
        return tracker;
    }
}
