package dev.sluice.upstream.pool;

import dev.sluice.upstream.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.resolver.AddressResolverGroup;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections from one event loop to one endpoint.
 *
 * <p>Threading: every method runs on {@link #loop}; the pool has no locks because nothing else touches it. This is
 * what lets a request take its upstream connection without a cross-thread hand-off (DESIGN.md principle 4).
 *
 * <p>Invariants: {@code open} counts idle, held and connecting connections and never exceeds
 * {@code maxConnections}; an idle connection is active, unheld and in {@code idle}; waiters exist only while
 * {@code open == maxConnections}.
 *
 * <p>Algorithm: idle connections are reused last-in-first-out, so a burst leaves the least recently used
 * connections at the bottom of the stack where the idle sweep closes them; a warm connection is preferred.
 */
public final class ConnectionPool {
    /** Called with the outcome of {@link #acquire}. Event loop only. */
    public interface Acquirer extends UpstreamListener {
        /**
         * A connection is ready; it is now held by the acquirer, which receives its events, until it calls
         * {@link #release}. {@code synchronous} is true when this runs inside the {@link #acquire} call.
         */
        void onAcquired(PooledConnection connection, boolean synchronous);

        /** No connection could be had from {@code pool}: connect failed or the pool is saturated. */
        void onAcquireFailed(ConnectionPool pool, Throwable cause);

        /**
         * Connect timeout for a connection opened on this acquirer's behalf (the tighter of its route's and its
         * upstream's), so that a connect attempt always ends, successfully or not, within the acquirer's own deadline.
         */
        int connectTimeoutMillis();
    }

    /** Failure of an acquire because the pool and its wait queue are full. */
    public static final class PoolExhaustedException extends Exception {
        PoolExhaustedException(String message) {
            super(message, null, false, false);
        }
    }

    private final EventLoop loop;
    private final Endpoint endpoint;
    private final Bootstrap bootstrap;
    private final ArrayDeque<PooledConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<Acquirer> waiters = new ArrayDeque<>();
    private PoolSettings settings;
    private int open;
    private ScheduledFuture<?> sweep;
    private boolean closed;

    ConnectionPool(EventLoop loop, Endpoint endpoint, PoolSettings settings, Class<? extends SocketChannel> channelType,
            AddressResolverGroup<? extends SocketAddress> resolver, int maxResponseHeaderSize) {
        this.loop = loop;
        this.endpoint = endpoint;
        this.settings = settings;
        final ConnectionPool pool = this;
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // Back-pressure bounds: 32 KiB low / 64 KiB high, Netty's defaults, made explicit.
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        final HttpDecoderConfig decoder = new HttpDecoderConfig()
                                .setMaxInitialLineLength(8192)
                                .setMaxHeaderSize(maxResponseHeaderSize)
                                .setMaxChunkSize(16 * 1024)
                                .setValidateHeaders(true);
                        ch.pipeline().addLast(new HttpClientCodec(decoder, false, false));
                        ch.pipeline().addLast(new PooledConnection(pool));
                    }
                });
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** Open connections (idle, held and connecting). Event loop only. */
    public int openConnections() {
        return open;
    }

    /** Idle connections ready for reuse. Event loop only. */
    public int idleConnections() {
        return idle.size();
    }

    PoolSettings settings() {
        return settings;
    }

    /** Applies new limits from a reloaded configuration; existing connections are kept. Event loop only. */
    void update(PoolSettings newSettings) {
        settings = newSettings;
    }

    /**
     * Hands a connection to {@code acquirer}: an idle one at once, a new one when under the limit, otherwise
     * after another request releases one. Event loop only.
     */
    public void acquire(Acquirer acquirer) {
        assert loop.inEventLoop();
        if (closed) {
            acquirer.onAcquireFailed(this, new PoolExhaustedException("pool for " + endpoint.key() + " is closed"));
            return;
        }
        PooledConnection c;
        while ((c = idle.pollLast()) != null) {
            if (c.channel().isActive()) {
                c.attach(acquirer);
                acquirer.onAcquired(c, true);
                return;
            }
            // A closed connection still in the stack: its close event is queued; count it gone now.
            forget(c);
        }
        if (open < settings.maxConnections()) {
            connect(acquirer);
        } else if (waiters.size() < settings.maxPending()) {
            waiters.addLast(acquirer);
        } else {
            acquirer.onAcquireFailed(this, new PoolExhaustedException("connection pool for " + endpoint.key()
                    + " is full: " + open + " connections and " + waiters.size() + " waiting"));
        }
    }

    /**
     * Withdraws a waiting acquirer (its request gave up). Event loop only.
     *
     * @return true when it was waiting for a connection to be released; false when it was not waiting (then a
     *         connect on its behalf may still be in progress and will call it back)
     */
    public boolean cancel(Acquirer acquirer) {
        return waiters.remove(acquirer);
    }

    /**
     * Returns a held connection. A connection is reused only when {@code reusable} (the request and response were
     * both complete and framed, and nobody asked to close) and it is still open; otherwise it is closed.
     * Event loop only.
     */
    public void release(PooledConnection connection, boolean reusable) {
        assert loop.inEventLoop();
        connection.detach();
        if (!reusable || closed || !connection.channel().isActive()) {
            connection.channel().close(); // onClosed() does the accounting when the close completes
            return;
        }
        final Acquirer waiter = waiters.pollFirst();
        if (waiter != null) {
            connection.attach(waiter);
            waiter.onAcquired(connection, false);
            return;
        }
        connection.markIdle(System.nanoTime());
        idle.addLast(connection);
        scheduleSweep();
    }

    /** Called by a connection when its channel closed. */
    void onClosed(PooledConnection connection) {
        idle.remove(connection);
        forget(connection);
        serveWaiter();
    }

    /**
     * Starts a connection for the first waiter when a slot is free. The check matters: a connection forgotten
     * earlier (idle sweep, a dead idle connection found by acquire) gave its slot back then, and the slot may have
     * been taken again before its close event arrives.
     */
    private void serveWaiter() {
        if (!closed && open < settings.maxConnections() && !waiters.isEmpty()) {
            connect(waiters.pollFirst());
        }
    }

    /** Closes idle connections and refuses new acquires; held connections close when released. */
    void close() {
        closed = true;
        PooledConnection c;
        while ((c = idle.pollLast()) != null) {
            c.channel().close();
        }
        Acquirer w;
        while ((w = waiters.pollFirst()) != null) {
            w.onAcquireFailed(this, new PoolExhaustedException("pool for " + endpoint.key() + " closed"));
        }
        if (sweep != null) {
            sweep.cancel(false);
        }
    }

    private void connect(Acquirer acquirer) {
        open++;
        final ChannelFuture f = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, acquirer.connectTimeoutMillis())
                .connect(endpoint.address());
        f.addListener(done -> {
            final PooledConnection c = f.channel().pipeline().get(PooledConnection.class);
            if (!f.isSuccess() || c == null) {
                // The channel never became active, so channelInactive will not run: account here.
                if (c != null) {
                    forget(c);
                } else {
                    open--;
                }
                f.channel().close();
                acquirer.onAcquireFailed(this, f.isSuccess()
                        ? new IllegalStateException("upstream connection lost its handler") : f.cause());
                // The slot is free again and no close event will announce it: a waiter would wait forever.
                serveWaiter();
                return;
            }
            c.attach(acquirer);
            acquirer.onAcquired(c, false);
        });
    }

    /** Removes a connection from the open count, exactly once however many ways it is seen to go. */
    private void forget(PooledConnection c) {
        if (c.markForgotten()) {
            open--;
        }
    }

    private void scheduleSweep() {
        if (sweep != null || closed) {
            return;
        }
        // Sweep at half the idle timeout so a connection lives at most 1.5x the timeout; at least once a second.
        final long period = Math.max(TimeUnit.SECONDS.toNanos(1), settings.idleTimeoutNanos() / 2);
        sweep = loop.schedule(this::sweepIdle, period, TimeUnit.NANOSECONDS);
    }

    private void sweepIdle() {
        sweep = null;
        final long now = System.nanoTime();
        // Oldest idle connections sit at the head of the deque (LIFO reuse pushes and pops at the tail).
        PooledConnection c;
        while ((c = idle.peekFirst()) != null && now - c.idleSinceNanos() >= settings.idleTimeoutNanos()) {
            idle.pollFirst();
            forget(c);
            c.channel().close();
        }
        if (!idle.isEmpty()) {
            scheduleSweep();
        }
    }
}
