package dev.sluice.server;

import dev.sluice.proxy.Downstream;
import dev.sluice.proxy.ErrorCode;
import dev.sluice.proxy.LocalResponses;
import dev.sluice.proxy.ProxyExchange;
import dev.sluice.proxy.RequestIds;
import dev.sluice.routing.PathNormalizer;
import dev.sluice.runtime.ListenerSettings;
import dev.sluice.runtime.RuntimeSnapshot;
import dev.sluice.runtime.SnapshotHolder;
import dev.sluice.upstream.pool.PoolRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one application handler of a client connection: validates each request head, runs its
 * {@link ProxyExchange}, keeps pipelined requests in order, and enforces the connection's timeouts.
 *
 * <p>Threading: event loop only; one instance per connection.
 *
 * <p>Invariants: at most one exchange is active ({@code current}); messages of later pipelined requests wait in
 * {@code pipelined} until it completes, so responses leave in request order (RFC 9112 §9.3.2). After a protocol
 * error nothing more from the connection is processed: the error is answered and the connection closed.
 *
 * <p>Timeouts: one timer per connection, re-armed lazily (like Netty's IdleStateHandler) instead of per request.
 * While a head is arriving it enforces the request-header timeout (slowloris), while a body is arriving the
 * body timeout (longest silence), and between requests the keep-alive idle timeout.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter implements Downstream {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ProxyHandler.class);
    /** Pipelined messages held before the client is paused; a bound on per-connection memory. */
    private static final int MAX_PIPELINED = 64;

    private final SnapshotHolder snapshots;
    private final PoolRegistry pools;
    private final Http1ServerCodec codec;
    private final ConnectionTracker tracker;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ListenerSettings settings;
    private ProxyExchange current;
    private String peerIp;
    private boolean closing;
    private boolean draining;
    private boolean servedOne;
    private boolean readPausedByBody;
    private boolean readPausedByPipeline;
    private long lastResponseNanos;
    private ScheduledFuture<?> timer;
    /** nanoTime at which {@code timer} fires. */
    private long timerDeadline;

    ProxyHandler(SnapshotHolder snapshots, PoolRegistry pools, Http1ServerCodec codec, ConnectionTracker tracker) {
        this.snapshots = snapshots;
        this.pools = pools;
        this.codec = codec;
        this.tracker = tracker;
    }

    // ------------------------------------------------------------------ channel events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.settings = snapshots.current().listener();
        final SocketAddress remote = ctx.channel().remoteAddress();
        this.peerIp = remote instanceof InetSocketAddress
                ? ((InetSocketAddress) remote).getAddress().getHostAddress() : "0.0.0.0";
        this.lastResponseNanos = System.nanoTime();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        tracker.add(ctx.channel(), this);
        scheduleTimer(settings.requestHeaderTimeoutNanos());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current != null && current.isReceivingRequest() && msg instanceof HttpContent) {
            current.onRequestContent((HttpContent) msg);
            return;
        }
        if (current != null || !pipelined.isEmpty()) {
            pipelined.add(msg);
            if (pipelined.size() >= MAX_PIPELINED && !readPausedByPipeline) {
                readPausedByPipeline = true;
                updateAutoRead();
            }
            return;
        }
        dispatch(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            current.flushUpstream();
        }
        ctx.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.onDownstreamWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        cancelTimer();
        if (current != null) {
            final ProxyExchange ex = current;
            current = null;
            ex.onDownstreamClosed();
        }
        releasePipelined();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection {}: {}", ctx.channel(), cause.toString(), cause);
        if (closing) {
            return; // already answered (or going away): a second error must not write a second response
        }
        if (cause instanceof IOException) {
            ctx.close(); // reset by peer and friends: nothing to answer
            return;
        }
        // A decoder failure (obs-fold, malformed chunk) after earlier requests: answer it in order.
        final ErrorMarker marker = new ErrorMarker(ErrorCode.BAD_REQUEST, describe(cause));
        if (current != null || !pipelined.isEmpty()) {
            pipelined.add(marker);
            ctx.channel().config().setAutoRead(false);
        } else {
            failConnection(marker.code, marker.message, RequestIds.generate());
        }
    }

    // ------------------------------------------------------------------ request dispatch

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest) {
            startExchange((HttpRequest) msg);
        } else if (msg instanceof ErrorMarker) {
            failConnection(((ErrorMarker) msg).code, ((ErrorMarker) msg).message, RequestIds.generate());
        } else {
            // Body of a request that ended early (answered and closing) or a decoder leftover: drop it.
            ReferenceCountUtil.release(msg);
            if (msg instanceof HttpContent && ((HttpContent) msg).decoderResult().isFailure()) {
                failConnection(ErrorCode.BAD_REQUEST, describe(((HttpContent) msg).decoderResult().cause()),
                        RequestIds.generate());
            }
        }
    }

    private void startExchange(HttpRequest request) {
        final String requestId = RequestIds.accept(request.headers().get(LocalResponses.X_REQUEST_ID));
        final DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            final Throwable cause = result.cause();
            final ErrorCode code = cause instanceof TooLongHttpLineException ? ErrorCode.URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException ? ErrorCode.HEADERS_TOO_LARGE
                    : cause instanceof TooLongFrameException ? ErrorCode.HEADERS_TOO_LARGE
                    : ErrorCode.BAD_REQUEST;
            ReferenceCountUtil.release(request);
            failConnection(code, describe(cause), requestId);
            return;
        }
        final String problem = RequestValidator.check(request);
        if (problem != null) {
            ReferenceCountUtil.release(request);
            failConnection(ErrorCode.BAD_REQUEST, problem, requestId);
            return;
        }
        final String uri = request.uri();
        String rawPath;
        String rawQuery = null;
        String hostHeader = request.headers().get(HttpHeaderNames.HOST);
        int pathStart = 0;
        if (uri.charAt(0) != '/') {
            // absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host.
            final int scheme = uri.indexOf("://");
            final int slash = uri.indexOf('/', scheme + 3);
            final int q = uri.indexOf('?', scheme + 3);
            final int authorityEnd = slash < 0 ? (q < 0 ? uri.length() : q) : (q >= 0 && q < slash ? q : slash);
            hostHeader = uri.substring(scheme + 3, authorityEnd);
            request.headers().set(HttpHeaderNames.HOST, hostHeader);
            pathStart = authorityEnd;
        }
        final int q = uri.indexOf('?', pathStart);
        if (q >= 0) {
            rawPath = pathStart == q ? "/" : uri.substring(pathStart, q);
            rawQuery = uri.substring(q + 1);
        } else {
            rawPath = pathStart == 0 ? uri : pathStart == uri.length() ? "/" : uri.substring(pathStart);
        }
        final String path = PathNormalizer.normalize(rawPath);
        if (path == null) {
            failConnection(ErrorCode.BAD_REQUEST, "invalid request path", requestId);
            return;
        }
        final RuntimeSnapshot snapshot = snapshots.current();
        settings = snapshot.listener();
        final boolean close = !HttpUtil.isKeepAlive(request) || draining;
        current = new ProxyExchange(this, snapshot, pools, request, requestId, path, rawQuery,
                hostWithoutPort(hostHeader), peerIp, close);
        current.start();
    }

    /** Lower-case host name without port; IPv6 literals keep their brackets. Empty when absent. */
    static String hostWithoutPort(String host) {
        if (host == null || host.isEmpty()) {
            return "";
        }
        int end = host.length();
        if (host.charAt(0) == '[') {
            final int close = host.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            final int colon = host.lastIndexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        final String name = host.substring(0, end);
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                return name.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return name;
    }

    /** Answers a protocol error and closes: nothing more is read from this connection. */
    private void failConnection(ErrorCode code, String message, String requestId) {
        closing = true;
        ctx.channel().config().setAutoRead(false);
        releasePipelined();
        codec.encoder().setHeadResponse(false);
        final HttpResponse response = LocalResponses.error(ctx.alloc(), code, message, requestId, true);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "malformed request";
        }
        final String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }

    // ------------------------------------------------------------------ Downstream

    @Override
    public EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    @Override
    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    @Override
    public void writeResponseHead(HttpResponse head, boolean headRequest) {
        codec.encoder().setHeadResponse(headRequest);
        ctx.write(head, ctx.voidPromise());
    }

    @Override
    public void writeResponseContent(HttpContent content) {
        ctx.write(content, ctx.voidPromise());
    }

    @Override
    public void writeFullResponse(HttpResponse response, boolean headRequest) {
        codec.encoder().setHeadResponse(headRequest);
        ctx.writeAndFlush(response, ctx.voidPromise());
    }

    @Override
    public void writeContinue() {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                Unpooled.EMPTY_BUFFER), ctx.voidPromise());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    public void setReadEnabled(boolean enabled) {
        if (readPausedByBody == enabled) {
            readPausedByBody = !enabled;
            updateAutoRead();
        }
    }

    @Override
    public boolean isDraining() {
        return draining;
    }

    @Override
    public void exchangeComplete(ProxyExchange exchange, boolean close) {
        if (exchange != current) {
            return;
        }
        current = null;
        servedOne = true;
        lastResponseNanos = System.nanoTime();
        readPausedByBody = false;
        if (close || draining) {
            closing = true;
            releasePipelined();
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        // Run the pipelined requests that waited, in order, until one is in flight again.
        Object next;
        while (!closing && (current == null || current.isReceivingRequest()) && (next = pipelined.poll()) != null) {
            if (current != null && next instanceof HttpContent) {
                current.onRequestContent((HttpContent) next);
            } else {
                dispatch(next);
            }
        }
        if (current != null) {
            // A pipelined request started here, outside a client read batch: a pooled connection is handed over
            // synchronously and its writes wait for a flush that channelReadComplete would otherwise never make
            // (the client already sent everything). Without this the request sits unsent until a timeout.
            current.flushUpstream();
        }
        if (readPausedByPipeline && pipelined.size() < MAX_PIPELINED / 2) {
            readPausedByPipeline = false;
        }
        updateAutoRead();
    }

    @Override
    public void abort() {
        log.debug("client connection {}: response aborted", ctx.channel());
        closing = true;
        current = null;
        releasePipelined();
        ctx.close();
    }

    // ------------------------------------------------------------------ shutdown and timeouts

    /** Starts draining: an idle connection closes now, a busy one after its current response. */
    void drain() {
        draining = true;
        if (current == null && pipelined.isEmpty() && codec.decoder().headStartNanos() == 0) {
            closing = true;
            ctx.close();
        }
    }

    private void updateAutoRead() {
        final boolean read = !readPausedByBody && !readPausedByPipeline && !closing;
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    private void scheduleTimer(long delayNanos) {
        final long delay = Math.max(delayNanos, TimeUnit.MILLISECONDS.toNanos(1));
        timerDeadline = System.nanoTime() + delay;
        timer = ctx.executor().schedule(this::onTimer, delay, TimeUnit.NANOSECONDS);
    }

    @Override
    public void wakeUpBy(long deadlineNanos) {
        // Usually the timer already fires earlier (timeouts are longer than its period): then nothing to do.
        if (timer != null && deadlineNanos - timerDeadline >= 0 || closing) {
            return;
        }
        cancelTimer();
        scheduleTimer(deadlineNanos - System.nanoTime());
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onTimer() {
        timer = null;
        if (closing || !ctx.channel().isActive()) {
            return;
        }
        final long now = System.nanoTime();
        if (current != null) {
            current.checkDeadline(now);
            if (closing || !ctx.channel().isActive()) {
                return;
            }
        }
        final Http1ServerCodec.RequestDecoder decoder = codec.decoder();
        long deadline;
        if (current == null && pipelined.isEmpty()) {
            final long headStart = decoder.headStartNanos();
            if (headStart != 0) {
                deadline = headStart + settings.requestHeaderTimeoutNanos();
                if (now - deadline >= 0) {
                    failConnection(ErrorCode.REQUEST_TIMEOUT, "request head not received in time",
                            RequestIds.generate());
                    return;
                }
            } else {
                final long since = Math.max(decoder.lastReadNanos(), lastResponseNanos);
                // A new connection gets the header timeout for its first request, as nginx does.
                deadline = since + (servedOne ? settings.idleTimeoutNanos() : settings.requestHeaderTimeoutNanos());
                if (now - deadline >= 0) {
                    closing = true;
                    ctx.close();
                    return;
                }
            }
        } else if (current != null && current.isReceivingRequest()) {
            deadline = decoder.lastReadNanos() + settings.bodyTimeoutNanos();
            if (now - deadline >= 0 && !readPausedByBody) {
                current.onBodyTimeout();
                if (!closing) {
                    scheduleTimer(settings.idleTimeoutNanos());
                }
                return;
            }
            if (readPausedByBody) {
                deadline = now + settings.bodyTimeoutNanos(); // paused by us, not by the client
            }
        } else {
            // Waiting for or streaming a response: the exchange's own timeouts apply. Look again later.
            deadline = now + Math.min(settings.idleTimeoutNanos(), settings.requestHeaderTimeoutNanos());
        }
        final long exchangeDeadline = current == null ? 0 : current.deadlineNanos();
        if (exchangeDeadline != 0 && exchangeDeadline - deadline < 0) {
            deadline = exchangeDeadline;
        }
        scheduleTimer(deadline - now);
    }

    private void releasePipelined() {
        Object m;
        while ((m = pipelined.poll()) != null) {
            ReferenceCountUtil.release(m);
        }
    }

    /** A decoder failure queued behind earlier pipelined requests. */
    private static final class ErrorMarker {
        final ErrorCode code;
        final String message;

        ErrorMarker(ErrorCode code, String message) {
            this.code = code;
            this.message = message;
        }
    }
}
