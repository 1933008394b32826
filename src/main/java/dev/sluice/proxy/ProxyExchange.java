package dev.sluice.proxy;

import dev.sluice.policy.Exchange;
import dev.sluice.policy.PolicyChain;
import dev.sluice.policy.PolicyResult;
import dev.sluice.routing.RequestView;
import dev.sluice.routing.RouteMatch;
import dev.sluice.runtime.CompiledRoute;
import dev.sluice.runtime.CompiledUpstream;
import dev.sluice.runtime.RuntimeSnapshot;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.balance.PickContext;
import dev.sluice.upstream.pool.ConnectionPool;
import dev.sluice.upstream.pool.PoolRegistry;
import dev.sluice.upstream.pool.PooledConnection;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request travelling through the gateway: the only per-request object with mutable state.
 *
 * <p>Threading: confined to the client connection's event loop. The upstream connection comes from that loop's
 * pool, so every callback (client reads, upstream reads, timers) runs on the same thread and no field needs
 * synchronisation (DESIGN.md principle 4).
 *
 * <p>Ownership: request body pieces handed to {@link #onRequestContent} belong to the exchange, which forwards,
 * queues (until a connection is ready) or releases them. Response pieces from the upstream are passed straight to
 * the {@link Downstream}, which takes ownership.
 *
 * <p>Invariants: the response is started at most once ({@code responseStarted}); the exchange completes exactly
 * once ({@code finished}), after both the response was written and the request was read (or the connection is to
 * be closed); an upstream connection is released to its pool exactly once, and only reused when the request was
 * sent whole and the response was read whole and framed.
 *
 * <p>Flow: {@link #start()} matches the route (on the snapshot read once by the caller) and either answers locally
 * or picks an endpoint and acquires a pooled connection; the request head and body stream upstream with
 * back-pressure; the response streams back the same way.
 */
public final class ProxyExchange implements RequestView, PickContext, ConnectionPool.Acquirer, Exchange {
    /** Body bytes queued while no upstream connection is ready; beyond this the client is paused. */
    private static final int PENDING_BODY_HIGH_WATER = 64 * 1024;
    /** A request body after a local answer is read and dropped up to this size, then the connection is closed. */
    private static final long DISCARD_LIMIT = 1024 * 1024;

    private final Downstream down;
    private final RuntimeSnapshot snapshot;
    private final PoolRegistry pools;
    private final HttpRequest request;
    private final String requestId;
    private final String path;
    private final String rawQuery;
    private final String host;
    private final String peerIp;
    private final boolean peerTrusted;
    private final String clientIp;
    private final boolean headRequest;
    private final boolean clientHttp10;
    private boolean closeAfterResponse;

    private RouteMatch<CompiledRoute> match;
    private CompiledRoute route;
    private Endpoint endpoint;
    private ConnectionPool pool;
    private PooledConnection connection;
    private ArrayDeque<HttpContent> pendingBody;
    private int pendingBytes;
    /** nanoTime by which the response head must arrive; 0 when no response is awaited. */
    private long responseDeadlineNanos;
    private Map<String, List<String>> queryParams;
    private boolean idempotent;

    private long bodyBytes;
    private boolean requestComplete;
    private boolean requestSent;
    private boolean responseStarted;
    private boolean responseComplete;
    private boolean upstreamReusable;
    private boolean skippingInterim;
    private boolean discarding;
    private boolean retried;
    private boolean finished;
    private ErrorCode outcomeError;
    private String outcomeCode;
    /** The status the client got or is getting; 0 before a response started. */
    private int responseStatus;
    /** Next policy of the route's chain to run, and how many admitted the request (they get onComplete). */
    private int policyIndex;
    private int policiesAdmitted;
    private boolean policyPending;
    /** Headers policies asked to add to the response, as name/value pairs; null when none. */
    private List<CharSequence> extraResponseHeaders;
    private String consumer;

    /**
     * Creates the exchange for a validated request head.
     *
     * @param path          the normalised path (no query)
     * @param rawQuery      the query string without '?', or {@code null}
     * @param host          lower-case host without port, or empty
     * @param closeAfter    the client asked to close after this response (or cannot keep the connection)
     */
    public ProxyExchange(Downstream down, RuntimeSnapshot snapshot, PoolRegistry pools, HttpRequest request,
            String requestId, String path, String rawQuery, String host, String peerIp, boolean closeAfter) {
        this.down = down;
        this.snapshot = snapshot;
        this.pools = pools;
        this.request = request;
        this.requestId = requestId;
        this.path = path;
        this.rawQuery = rawQuery;
        this.host = host;
        this.peerIp = peerIp;
        this.peerTrusted = snapshot.listener().trustedProxies().isTrusted(peerIp);
        this.clientIp = peerTrusted
                ? HeaderRewriter.clientIp(peerIp, true, request.headers().get(HeaderRewriter.X_FORWARDED_FOR),
                        snapshot.listener().trustedProxies()::isTrusted)
                : peerIp;
        this.headRequest = request.method() == HttpMethod.HEAD;
        this.clientHttp10 = request.protocolVersion().minorVersion() == 0;
        this.closeAfterResponse = closeAfter;
    }

    // ------------------------------------------------------------------ RequestView / PickContext

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String host() {
        return host;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String header(CharSequence name) {
        return request.headers().get(name);
    }

    @Override
    public String queryParam(String name) {
        if (rawQuery == null) {
            return null;
        }
        if (queryParams == null) {
            queryParams = new QueryStringDecoder(rawQuery, false).parameters();
        }
        final List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public String clientIp() {
        return clientIp;
    }

    @Override
    public String cookie(String name) {
        final List<String> headers = request.headers().getAll(HttpHeaderNames.COOKIE);
        for (String header : headers) {
            for (Cookie c : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (c.name().equals(name)) {
                    return c.value();
                }
            }
        }
        return null;
    }

    public String requestId() {
        return requestId;
    }

    /** True until the whole request body was read from the client. */
    public boolean isReceivingRequest() {
        return !requestComplete;
    }

    /** The route that matched, or {@code null} before matching or on a miss. */
    public CompiledRoute route() {
        return route;
    }

    /** The error the gateway answered with, or {@code null} when the upstream's response was relayed. */
    public ErrorCode error() {
        return outcomeError;
    }

    // ------------------------------------------------------------------ request side

    /** Matches the route and starts the exchange. Event loop only. */
    public void start() {
        match = snapshot.router().match(this);
        if (match == null) {
            respondLocal(ErrorCode.ROUTE_NOT_FOUND, "no route matches " + request.method() + " " + path);
            return;
        }
        route = match.target();
        final HttpHeaders headers = request.headers();
        final String expect = headers.get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            closeAfterResponse = true;
            respondLocal(ErrorCode.EXPECTATION_FAILED, "unsupported expectation: " + expect);
            return;
        }
        final long contentLength = HttpUtil.getContentLength(request, -1L);
        if (contentLength > route.maxBodyBytes()) {
            // Reject before reading a byte of the body; the unread body forces a close.
            closeAfterResponse = true;
            respondLocal(ErrorCode.BODY_TOO_LARGE, "request body of " + contentLength
                    + " bytes exceeds the limit of " + route.maxBodyBytes() + " bytes");
            return;
        }
        runPolicies();
    }

    /**
     * Runs the route's policies from {@code policyIndex} on; each is a plain call. A policy that answers later
     * (PENDING) or asks for a delay parks the request here; {@link #resume} continues it on the event loop.
     */
    private void runPolicies() {
        final PolicyChain chain = route.policies();
        while (policyIndex < chain.size()) {
            final PolicyResult result = chain.get(policyIndex).onRequest(this);
            if (!apply(result)) {
                return;
            }
        }
        afterPolicies();
    }

    /** Applies one policy decision; true when the next policy may run now. */
    private boolean apply(PolicyResult result) {
        if (result == PolicyResult.CONTINUE) {
            policyIndex++;
            policiesAdmitted++;
            return true;
        }
        if (result == PolicyResult.PENDING) {
            policyPending = true;
            return false;
        }
        if (result instanceof PolicyResult.Delay) {
            policyIndex++;
            policiesAdmitted++;
            policyPending = true;
            down.eventLoop().schedule(() -> resume(PolicyResult.CONTINUE, /* alreadyCounted= */ true),
                    ((PolicyResult.Delay) result).nanos(), TimeUnit.NANOSECONDS);
            return false;
        }
        final PolicyResult.Reject reject = (PolicyResult.Reject) result;
        respondLocal(HttpResponseStatus.valueOf(reject.status()), reject.code(), reject.message(), null);
        return false;
    }

    @Override
    public void resume(PolicyResult result) {
        resume(result, false);
    }

    private void resume(PolicyResult result, boolean alreadyCounted) {
        assert down.eventLoop().inEventLoop();
        if (!policyPending || finished || responseStarted) {
            return; // the client went away or the request was answered while the policy was deciding
        }
        policyPending = false;
        if (alreadyCounted || apply(result)) {
            runPolicies();
        }
    }

    /** Every policy admitted the request: answer statically or go upstream. */
    private void afterPolicies() {
        if (route.staticResponse() != null) {
            answerStatic();
            return;
        }
        final HttpHeaders headers = request.headers();
        if (headers.contains(HttpHeaderNames.EXPECT)) {
            // The gateway accepts the body itself (like nginx): the upstream never sees the expectation. It does
            // so only now, after the policies, so a rejected upload is refused before its body is sent.
            headers.remove(HttpHeaderNames.EXPECT);
            down.writeContinue();
        }
        prepareUpstreamRequest();
        acquire();
    }

    /**
     * Receives a piece of the request body. Takes ownership of {@code content}. Event loop only.
     */
    public void onRequestContent(HttpContent content) {
        if (content.decoderResult().isFailure()) {
            // Malformed framing (bad chunk size...): cut the upstream before anything unflushed leaves.
            final Throwable cause = content.decoderResult().cause();
            content.release();
            requestComplete = true;
            closeAfterResponse = true;
            dropUpstream();
            respondLocal(ErrorCode.BAD_REQUEST, "malformed request body: "
                    + (cause == null ? "framing error" : cause.getMessage()));
            return;
        }
        final boolean last = content instanceof LastHttpContent;
        bodyBytes += content.content().readableBytes();
        if (last) {
            requestComplete = true;
        }
        if (discarding || finished || route == null || route.upstream() == null || outcomeError != null) {
            content.release();
            if (discarding && bodyBytes > DISCARD_LIMIT) {
                closeAfterResponse = true;
                discarding = false;
                maybeFinish();
            } else if (last) {
                maybeFinish();
            }
            return;
        }
        if (bodyBytes > route.maxBodyBytes()) {
            content.release();
            closeAfterResponse = true;
            respondLocal(ErrorCode.BODY_TOO_LARGE, "request body exceeds the limit of " + route.maxBodyBytes()
                    + " bytes");
            return;
        }
        if (connection != null) {
            final Channel ch = connection.channel();
            ch.write(content, ch.voidPromise());
            if (last) {
                markRequestSent();
            }
            if (!ch.isWritable()) {
                down.setReadEnabled(false);
            }
        } else {
            if (pendingBody == null) {
                pendingBody = new ArrayDeque<>(4);
            }
            pendingBody.add(content);
            pendingBytes += content.content().readableBytes();
            if (pendingBytes > PENDING_BODY_HIGH_WATER) {
                down.setReadEnabled(false);
            }
        }
    }

    /** Flushes request bytes written upstream during the current client read batch. Event loop only. */
    public void flushUpstream() {
        if (connection != null) {
            connection.channel().flush();
        }
    }

    /** The client's socket became (un)writable: pause or resume reading the upstream response. */
    public void onDownstreamWritabilityChanged(boolean writable) {
        if (connection != null) {
            connection.channel().config().setAutoRead(writable);
        }
    }

    /** The client went away: drop everything, close the upstream connection (it is mid-request). */
    public void onDownstreamClosed() {
        closeAfterResponse = true;
        releasePending();
        cancelResponseTimer();
        if (pool != null && connection == null && !finished && !responseComplete) {
            pool.cancel(this);
        }
        if (connection != null) {
            final PooledConnection c = connection;
            connection = null;
            pool.release(c, false);
        }
        finishQuietly();
    }

    /** The request body stalled beyond the body timeout. */
    public void onBodyTimeout() {
        closeAfterResponse = true;
        if (responseStarted) {
            abortBoth();
        } else {
            dropUpstream();
            respondLocal(ErrorCode.REQUEST_TIMEOUT, "request body not received in time");
        }
    }

    private void answerStatic() {
        responseStarted = true;
        responseComplete = true;
        final HttpResponse response = LocalResponses.fixed(route.staticResponse(), requestId);
        responseStatus = route.staticResponse().status();
        route.responseHeaders().apply(response.headers());
        applyExtraResponseHeaders(response.headers());
        setConnectionHeader(response.headers());
        down.writeFullResponse(response, headRequest);
        discarding = !requestComplete;
        maybeFinish();
    }

    /** Rewrites the request head in place for the upstream hop. */
    private void prepareUpstreamRequest() {
        final HttpHeaders headers = request.headers();
        final boolean chunked = HttpUtil.isTransferEncodingChunked(request);
        HeaderRewriter.removeHopByHop(headers);
        if (chunked) {
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        request.setProtocolVersion(HttpVersion.HTTP_1_1);
        final String forwardPath;
        if (route.rewrite() != null) {
            forwardPath = route.rewrite().apply(match);
        } else if (route.stripPrefix()) {
            forwardPath = match.pathAfterPrefix();
        } else {
            forwardPath = path;
        }
        final String uri = rawQuery == null ? forwardPath : forwardPath + '?' + rawQuery;
        if (!uri.equals(request.uri())) {
            request.setUri(uri);
        }
        final String clientHost = headers.get(HttpHeaderNames.HOST);
        HeaderRewriter.setForwarded(headers, peerIp, peerTrusted, "http", clientHost);
        HeaderRewriter.addVia(headers);
        headers.set(LocalResponses.X_REQUEST_ID, requestId);
        if (route.hostRewrite() != null) {
            headers.set(HttpHeaderNames.HOST, route.hostRewrite());
        }
        route.requestHeaders().apply(headers);
        final String m = request.method().name();
        idempotent = m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS") || m.equals("PUT")
                || m.equals("DELETE") || m.equals("TRACE");
    }

    private void acquire() {
        final CompiledUpstream upstream = route.upstream();
        if (endpoint == null) {
            endpoint = upstream.balancer().pick(this);
            endpoint.acquire();
        }
        pool = pools.pool(down.eventLoop(), endpoint, upstream.pool());
        pool.acquire(this);
    }

    @Override
    public void onAcquired(PooledConnection c, boolean synchronous) {
        if (finished || outcomeError != null) {
            // The exchange ended (client gone, body timeout) while the connection was being opened.
            pool.release(c, true);
            return;
        }
        connection = c;
        final Channel ch = c.channel();
        if (!route.preserveHost() && route.hostRewrite() == null) {
            request.headers().set(HttpHeaderNames.HOST, endpoint.key());
        }
        ch.write(request, ch.voidPromise());
        if (pendingBody != null) {
            HttpContent piece;
            while ((piece = pendingBody.poll()) != null) {
                ch.write(piece, ch.voidPromise());
                if (piece instanceof LastHttpContent) {
                    markRequestSent();
                }
            }
            pendingBytes = 0;
            down.setReadEnabled(ch.isWritable());
        }
        if (requestComplete && bodyBytes == 0 && !requestSent) {
            // Bodiless request whose LastHttpContent was already consumed before the connection was ready.
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            markRequestSent();
        }
        if (!synchronous) {
            ch.flush();
        }
    }

    /**
     * The whole request is written upstream: flush it, and start the response timeout now (not during a long
     * upload). The flush cannot be left to the client connection's read-complete: a pipelined request dispatched
     * after the previous response, or a retry, writes its last piece outside any client read, and would sit
     * unflushed forever. Within a client read batch this only moves that flush earlier.
     */
    private void markRequestSent() {
        requestSent = true;
        connection.channel().flush();
        armResponseTimer();
    }

    @Override
    public void onAcquireFailed(Throwable cause) {
        if (finished) {
            return;
        }
        if (cause instanceof ConnectionPool.PoolExhaustedException) {
            respondLocal(ErrorCode.UPSTREAM_OVERLOADED, cause.getMessage());
        } else if (cause instanceof ConnectTimeoutException) {
            respondLocal(ErrorCode.UPSTREAM_CONNECT_TIMEOUT, "connect to " + endpoint.key() + " timed out");
        } else {
            respondLocal(ErrorCode.UPSTREAM_CONNECT_FAILED, "cannot connect to " + endpoint.key() + ": "
                    + (cause == null ? "unknown error" : cause.getMessage()));
        }
    }

    // ------------------------------------------------------------------ response side

    @Override
    public void onResponseHead(HttpResponse head) {
        final int status = head.status().code();
        if (status >= 100 && status < 200) {
            if (status == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                // Upgrade was stripped from the request, so a 101 breaks the protocol.
                dropUpstream();
                respondLocal(ErrorCode.UPSTREAM_BAD_RESPONSE, "upstream switched protocols unasked");
                return;
            }
            skippingInterim = true; // the gateway answered 100-continue itself; other 1xx are not relayed
            return;
        }
        if (head.decoderResult().isFailure()) {
            dropUpstream();
            respondLocal(ErrorCode.UPSTREAM_BAD_RESPONSE, "invalid response from " + endpoint.key() + ": "
                    + head.decoderResult().cause().getMessage());
            return;
        }
        cancelResponseTimer();
        final HttpHeaders headers = head.headers();
        upstreamReusable = HttpUtil.isKeepAlive(head);
        final boolean noBody = headRequest || status == 204 || status == 304;
        final boolean framed = noBody || HttpUtil.isTransferEncodingChunked(head)
                || headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (!framed) {
            upstreamReusable = false; // body ends when the upstream closes
        }
        HeaderRewriter.removeHopByHop(headers);
        if (!noBody && !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (clientHttp10) {
                closeAfterResponse = true; // HTTP/1.0 has no chunked coding: the body ends with the connection
            } else {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            }
        }
        HeaderRewriter.addVia(headers);
        headers.set(LocalResponses.X_REQUEST_ID, requestId);
        route.responseHeaders().apply(headers);
        applyExtraResponseHeaders(headers);
        setConnectionHeader(headers);
        responseStatus = status;
        head.setProtocolVersion(HttpVersion.HTTP_1_1);
        responseStarted = true;
        down.writeResponseHead(head, headRequest);
    }

    @Override
    public void onResponseContent(HttpContent content) {
        final boolean last = content instanceof LastHttpContent;
        if (skippingInterim || !responseStarted || responseComplete) {
            content.release();
            if (last) {
                skippingInterim = false;
            }
            return;
        }
        if (content.decoderResult().isFailure()) {
            content.release();
            abortBoth();
            return;
        }
        down.writeResponseContent(content);
        if (last) {
            // Flush now: the connection goes back to the pool below, so its read-complete event will not reach
            // this exchange any more.
            down.flush();
            responseComplete = true;
            final PooledConnection c = connection;
            connection = null;
            if (c != null) {
                c.channel().config().setAutoRead(true);
                pool.release(c, upstreamReusable && requestSent && requestComplete);
            }
            if (!requestComplete) {
                closeAfterResponse = true; // the upstream answered before the body ended
            }
            maybeFinish();
        } else if (!down.isWritable() && connection != null) {
            connection.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        down.flush();
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (!requestComplete) {
            down.setReadEnabled(writable);
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        final PooledConnection c = connection;
        connection = null;
        cancelResponseTimer();
        if (finished || responseComplete) {
            return;
        }
        if (responseStarted) {
            abortBoth();
            return;
        }
        if (c != null && c.isReused() && !retried && idempotent && bodyBytes == 0 && requestComplete) {
            // A pooled connection the upstream closed while idle: the request was not processed; try once more
            // on a fresh connection to the same endpoint.
            retried = true;
            requestSent = false;
            pool.acquire(this);
            return;
        }
        respondLocal(ErrorCode.UPSTREAM_RESET, "connection to " + endpoint.key() + " closed before a response"
                + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    }

    // ------------------------------------------------------------------ completion

    /** Answers with a JSON error, unless a response was already started (then the connection is cut). */
    void respondLocal(ErrorCode code, String message) {
        respondLocal(code.status(), code.code(), message, code);
    }

    /** Answers with a JSON error of any status and code (policies bring their own). */
    private void respondLocal(HttpResponseStatus status, String code, String message, ErrorCode known) {
        if (responseStarted) {
            abortBoth();
            return;
        }
        outcomeError = known;
        outcomeCode = code;
        releasePending();
        if (!requestComplete) {
            // Unread body: either drop it (small) or close; 413 and 400 always close.
            discarding = known != ErrorCode.BODY_TOO_LARGE && known != ErrorCode.BAD_REQUEST && !closeAfterResponse;
            if (!discarding) {
                closeAfterResponse = true;
            }
        }
        if (down.isDraining()) {
            closeAfterResponse = true;
        }
        responseStarted = true;
        responseComplete = true;
        responseStatus = status.code();
        final HttpResponse response = LocalResponses.error(down.alloc(), status, code, message, requestId, false);
        applyExtraResponseHeaders(response.headers());
        setConnectionHeader(response.headers());
        down.writeFullResponse(response, headRequest);
        maybeFinish();
    }

    private void applyExtraResponseHeaders(HttpHeaders headers) {
        final List<CharSequence> extra = extraResponseHeaders;
        if (extra != null) {
            for (int i = 0; i < extra.size(); i += 2) {
                headers.add(extra.get(i), extra.get(i + 1));
            }
        }
    }

    /** Tells the client whether the connection stays open after this response. */
    private void setConnectionHeader(HttpHeaders headers) {
        if (closeAfterResponse || down.isDraining()) {
            closeAfterResponse = true;
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (clientHttp10) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    private void maybeFinish() {
        if (finished || !responseComplete) {
            return;
        }
        if (!requestComplete && !closeAfterResponse) {
            return; // still discarding the request body
        }
        finished = true;
        cancelResponseTimer();
        releasePending();
        if (endpoint != null) {
            endpoint.release();
        }
        completePolicies();
        if (connection != null) {
            final PooledConnection c = connection;
            connection = null;
            pool.release(c, false);
        }
        down.exchangeComplete(this, closeAfterResponse || !requestComplete);
    }

    private void finishQuietly() {
        if (!finished) {
            finished = true;
            if (endpoint != null) {
                endpoint.release();
            }
            completePolicies();
        }
    }

    /** Tells the policies that admitted this request how it ended (concurrency limits release here). */
    private void completePolicies() {
        if (policiesAdmitted > 0) {
            final int admitted = policiesAdmitted;
            policiesAdmitted = 0;
            route.policies().complete(this, admitted, responseComplete ? responseStatus : 0);
        }
    }

    // ------------------------------------------------------------------ Exchange (what policies see)

    @Override
    public String routeId() {
        return route == null ? null : route.id();
    }

    @Override
    public String consumer() {
        return consumer;
    }

    @Override
    public void addResponseHeader(CharSequence name, CharSequence value) {
        if (extraResponseHeaders == null) {
            extraResponseHeaders = new java.util.ArrayList<>(4);
        }
        extraResponseHeaders.add(name);
        extraResponseHeaders.add(value);
    }

    @Override
    public io.netty.util.concurrent.EventExecutor eventLoop() {
        return down.eventLoop();
    }

    /** The status sent to the client, 0 before a response started. */
    public int responseStatus() {
        return responseStatus;
    }

    /** The stable code of the error the gateway answered with (its own or a policy's), or {@code null}. */
    public String errorCode() {
        return outcomeCode;
    }

    private void abortBoth() {
        dropUpstream();
        releasePending();
        finishQuietly();
        down.abort();
    }

    private void dropUpstream() {
        cancelResponseTimer();
        final PooledConnection c = connection;
        connection = null;
        if (c != null) {
            pool.release(c, false);
        } else if (pool != null && !responseStarted) {
            pool.cancel(this);
        }
    }

    private void releasePending() {
        if (pendingBody != null) {
            HttpContent piece;
            while ((piece = pendingBody.poll()) != null) {
                ReferenceCountUtil.release(piece);
            }
            pendingBytes = 0;
        }
    }

    /**
     * Starts the response timeout. No timer task is scheduled per request (that costs a heap insertion and a
     * cancellation each time); the connection's one timer is asked to wake up by the deadline instead.
     */
    private void armResponseTimer() {
        if (responseDeadlineNanos == 0 && route.responseTimeoutNanos() > 0) {
            responseDeadlineNanos = System.nanoTime() + route.responseTimeoutNanos();
            down.wakeUpBy(responseDeadlineNanos);
        }
    }

    private void cancelResponseTimer() {
        responseDeadlineNanos = 0;
    }

    /** nanoTime by which this exchange needs a timer check, or 0 when it needs none. */
    public long deadlineNanos() {
        return responseDeadlineNanos;
    }

    /** Called by the connection's timer: enforces the response timeout if it passed. Event loop only. */
    public void checkDeadline(long nowNanos) {
        if (responseDeadlineNanos != 0 && nowNanos - responseDeadlineNanos >= 0) {
            onResponseTimeout();
        }
    }

    private void onResponseTimeout() {
        responseDeadlineNanos = 0;
        if (finished || responseStarted) {
            return;
        }
        dropUpstream();
        respondLocal(ErrorCode.UPSTREAM_TIMEOUT, "no response from " + endpoint.key() + " within "
                + TimeUnit.NANOSECONDS.toMillis(route.responseTimeoutNanos()) + " ms");
    }
}
