package dev.sluice.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The I/O transport chosen at startup: native epoll where the platform has it, NIO otherwise.
 *
 * @param name          {@code epoll} or {@code nio}, for logs
 * @param ioFactory     creates the event loops' I/O handlers
 * @param serverChannel listener channel class
 * @param socketChannel client (upstream) channel class
 * @param datagramChannel UDP channel class (DNS lookups)
 */
public record Transport(
        String name,
        IoHandlerFactory ioFactory,
        Class<? extends ServerChannel> serverChannel,
        Class<? extends SocketChannel> socketChannel,
        Class<? extends DatagramChannel> datagramChannel) {

    /** The best transport available here; {@code -Dsluice.transport=nio} forces NIO. */
    public static Transport best() {
        final boolean forceNio = "nio".equals(System.getProperty("sluice.transport"));
        if (!forceNio && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, EpollDatagramChannel.class);
        }
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                NioDatagramChannel.class);
    }

    /** A new event-loop group of {@code threads} loops (0: one per available processor). */
    public MultiThreadIoEventLoopGroup newGroup(int threads, String threadPrefix) {
        final int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return new MultiThreadIoEventLoopGroup(n, new io.netty.util.concurrent.DefaultThreadFactory(threadPrefix),
                ioFactory);
    }
}
