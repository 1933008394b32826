package dev.sluice.upstream.pool;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection to an endpoint, and the handler that routes its events to the request holding it.
 *
 * <p>Threading: confined to the event loop that owns its pool (the same loop as the downstream connections that
 * use it). Ownership: a connection is either idle in its pool or held by exactly one {@link UpstreamListener}
 * between {@link ConnectionPool#acquire} and {@link ConnectionPool#release}. Bytes that arrive while it is idle
 * mean the upstream broke the protocol; such a connection is closed, never reused.
 */
public final class PooledConnection extends ChannelInboundHandlerAdapter {
    private final ConnectionPool pool;
    private Channel channel;
    private UpstreamListener listener;
    private long idleSinceNanos;
    private int requests;
    private boolean forgotten;

    PooledConnection(ConnectionPool pool) {
        this.pool = pool;
    }

    public Channel channel() {
        return channel;
    }

    /** The pool this connection belongs to and must be released to. */
    public ConnectionPool pool() {
        return pool;
    }

    /** How many requests this connection has carried, including the current one. */
    public int requests() {
        return requests;
    }

    /** True when this connection served an earlier request (so it might have been closed by the peer since). */
    public boolean isReused() {
        return requests > 1;
    }

    void attach(UpstreamListener newListener) {
        assert listener == null : "connection already held";
        listener = newListener;
        requests++;
    }

    void detach() {
        listener = null;
    }

    boolean isHeld() {
        return listener != null;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /** Marks this connection as no longer counted by its pool; true only the first time. */
    boolean markForgotten() {
        if (forgotten) {
            return false;
        }
        forgotten = true;
        return true;
    }

    void markIdle(long nowNanos) {
        idleSinceNanos = nowNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        final UpstreamListener l = listener;
        if (l == null) {
            // Unsolicited bytes on an idle connection: drop them and never reuse this connection.
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (msg instanceof HttpResponse) {
            l.onResponseHead((HttpResponse) msg);
        }
        if (msg instanceof HttpContent) {
            l.onResponseContent((HttpContent) msg);
        } else if (!(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        final UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        final UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        final UpstreamListener l = listener;
        listener = null;
        pool.onClosed(this);
        if (l != null) {
            l.onUpstreamClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        final UpstreamListener l = listener;
        listener = null;
        ctx.close();
        if (l != null) {
            l.onUpstreamClosed(cause);
        }
    }
}
