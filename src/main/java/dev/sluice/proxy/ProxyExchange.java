package dev.sluice.proxy;

import dev.sluice.config.OutcomeSet;
import dev.sluice.config.RetryBudgetSpec;
import dev.sluice.observability.AccessLogRecord;
import dev.sluice.observability.GatewayMetrics;
import dev.sluice.policy.Exchange;
import dev.sluice.policy.PolicyChain;
import dev.sluice.policy.PolicyResult;
import dev.sluice.policy.breaker.BreakerState;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.routing.RequestView;
import dev.sluice.routing.RouteMatch;
import dev.sluice.runtime.CallTimeouts;
import dev.sluice.runtime.CompiledFallback;
import dev.sluice.runtime.CompiledRetry;
import dev.sluice.runtime.CompiledRoute;
import dev.sluice.runtime.CompiledUpstream;
import dev.sluice.runtime.RuntimeSnapshot;
import dev.sluice.runtime.StaticResponse;
import dev.sluice.upstream.Endpoint;
import dev.sluice.upstream.Upstream;
import dev.sluice.upstream.balance.PickContext;
import dev.sluice.upstream.pool.ConnectionPool;
import dev.sluice.upstream.pool.PoolRegistry;
import dev.sluice.upstream.pool.PooledConnection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultHttpContent;
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
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request travelling through the gateway: the only per-request object with mutable state.
 *
 * <p>Threading: confined to the client connection's event loop. The upstream connection comes from that loop's
 * pool, so every callback (client reads, upstream reads, timers, back-off and queue hand-overs) runs on the same
 * thread and no field needs synchronisation (DESIGN.md principle 4). The shared objects it touches (breakers,
 * gates, the retry budget, endpoint counters) are lock-free.
 *
 * <p>Ownership: request body pieces handed to {@link #onRequestContent} belong to the exchange, which forwards,
 * queues (until a connection is ready) or releases them; while the body may still be replayed by a retry, the
 * exchange also holds retained duplicates of what it sent ({@code replay}). Response pieces from the upstream are
 * passed straight to the {@link Downstream}, which takes ownership.
 *
 * <p>Invariants: the response is started at most once ({@code responseStarted}); the exchange completes exactly
 * once ({@code finished}); an upstream connection is released to its pool exactly once, and only reused when the
 * request was sent whole and the response was read whole and framed. Each attempt that reached an endpoint is
 * judged at most once (breaker, outlier detector) and finished exactly once ({@code attemptOpen}: the endpoint's
 * in-flight count, the upstream gate's slot and the retry-budget slot are given back there). The route's breaker
 * judges the request once. No retry happens after a response byte was sent to the client, since retries are decided
 * before {@code responseStarted}.
 *
 * <p>Flow: {@link #start()} matches the route (on the snapshot read once by the caller) and runs the policies;
 * then the request either gets a static answer or becomes an upstream call: the route's concurrency gate and
 * breaker admit it, and attempts follow — each takes the upstream gate, picks a healthy endpoint (preferring one not
 * tried yet) and a pooled connection, streams the request and relays the response. A failed attempt is retried
 * after a jittered back-off when the route's retry policy, the method, the body and the upstream's retry budget all
 * allow it; otherwise the failure is answered, by the route's fallback when it has one. See
 * docs/request-lifecycle.md.
 */
public final class ProxyExchange implements RequestView, PickContext, ConnectionPool.Acquirer, Exchange,
        AccessLogRecord, Upstream.EndpointFilter {
    /** Body bytes queued while no upstream connection is ready; beyond this the client is paused. */
    private static final int PENDING_BODY_HIGH_WATER = 64 * 1024;
    /** A request body after a local answer is read and dropped up to this size, then the connection is closed. */
    private static final long DISCARD_LIMIT = 1024 * 1024;
    private static final AsciiString RETRY_AFTER = AsciiString.cached("retry-after");
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /**
     * A reused connection that closes this soon after the request went out was closed by the upstream while idle:
     * the close and the request crossed. Loopback and LAN round trips are far shorter; a later close means the
     * upstream had the request.
     */
    private static final long STALE_CLOSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** What an upstream attempt ended with, as the retry, breaker and outlier rules classify it. */
    private enum Outcome { CONNECT_FAILURE, RESET, TIMEOUT, STATUS }

    /** What an ended attempt tells an adaptive concurrency limit about the upstream. */
    private enum Sample {
        /** A normal answer: its latency is a sample. */
        OK,
        /** The upstream failed, timed out or said it is overloaded (503, 504): a congestion signal. */
        DROPPED,
        /** Nothing about the upstream (the client left or broke the request): the slot is given back unsampled. */
        NONE;

        static Sample of(int status) {
            return status == 503 || status == 504 ? DROPPED : OK;
        }
    }

    private final Downstream down;
    private final RuntimeSnapshot snapshot;
    private final PoolRegistry pools;
    private final HttpRequest request;
    private final String requestId;
    private final String originalUri;
    private final String path;
    private final String rawQuery;
    private final String host;
    private final String peerIp;
    private final boolean peerTrusted;
    private final String clientIp;
    private final boolean headRequest;
    private final boolean clientHttp10;
    private final long startNanos;
    private boolean closeAfterResponse;

    private RouteMatch<CompiledRoute> match;
    private CompiledRoute route;
    private Map<String, List<String>> queryParams;
    private boolean idempotent;

    // ---- the upstream call: which upstream (the route's or its fallback's) and its timeouts
    private CompiledUpstream upstream;
    private CallTimeouts timeouts;
    private boolean callStarted;
    private long routePermit;
    private boolean routeJudged;
    private boolean routeGateHeld;
    /** A wait in a concurrency gate's queue, or {@code null}. */
    private GateWait gateWait;
    private String fallbackReason;

    // ---- the current attempt
    private int attempts;
    /** Attempts that were retries: all but the first on the route's upstream; none on the fallback's. */
    private int retries;
    private Endpoint[] tried;
    private Endpoint endpoint;
    private CircuitBreaker endpointBreaker;
    private long endpointPermit;
    private ConnectionPool pool;
    private PooledConnection connection;
    private boolean connecting;
    private boolean attemptOpen;
    private boolean attemptJudged;
    private boolean upstreamGateHeld;
    private boolean attemptHoldsRetrySlot;
    private boolean nextHoldsRetrySlot;
    private boolean staleConnectionRetried;
    private long attemptStartNanos;
    private long attemptSentNanos;
    /** Last attempt's time from request sent to response head; -1 when none arrived. */
    private long upstreamNanos = -1;
    private ScheduledFuture<?> retryTimer;
    /** nanoTime by which the current phase (connect, or response head) must end; 0 when none. */
    private long phaseDeadlineNanos;
    /** nanoTime by which the response head must arrive across all attempts; 0 when none (yet). */
    private long totalDeadlineNanos;

    // ---- the request body
    private ArrayDeque<HttpContent> pendingBody;
    private int pendingBytes;
    /** Retained copies of the body bytes sent upstream, for a retry; null when the body cannot be replayed. */
    private ArrayDeque<ByteBuf> replay;
    private long replayBytes;
    /** True once body bytes went upstream that are not in {@code replay}: no retry may resend the request. */
    private boolean replayLost;
    private long bodyBytes;
    private boolean requestComplete;
    private boolean requestSent;
    /** True once any attempt wrote the request to an upstream: sending it elsewhere may then duplicate it. */
    private boolean requestLeft;

    // ---- the response
    private boolean responseStarted;
    private boolean responseComplete;
    private boolean upstreamReusable;
    private boolean skippingInterim;
    private boolean discarding;
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
        this.originalUri = request.uri();
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
        this.startNanos = System.nanoTime();
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

    @Override
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
            answerStatic(route.staticResponse());
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
        upstream = route.upstream();
        timeouts = route.timeouts();
        final CompiledRetry retry = route.retry();
        if (retry != null && retry.attempts() > 1 && retry.bufferBytes() > 0 && (idempotent || retry.nonIdempotent())) {
            // Only a request that may be resent after its body went out keeps what it sent; a connect failure needs
            // no copy, since nothing left the gateway.
            replay = new ArrayDeque<>(4);
        }
        if (route.concurrency() != null && !enterGate(route.concurrency(), /* routeLevel= */ true)) {
            return;
        }
        beginCall();
    }

    /** Starts the upstream call: the route's breaker admits it, the total timeout starts, the first attempt goes. */
    private void beginCall() {
        callStarted = true;
        final CircuitBreaker breaker = route.breaker();
        if (breaker != null) {
            routePermit = breaker.tryAcquire();
            if (!CircuitBreaker.isPermitted(routePermit)) {
                routeJudged = true; // nothing was tried, so there is nothing to judge
                snapshot.metrics().counter(GatewayMetrics.BREAKER_REJECTED, "breaker", breaker.name()).increment();
                fail(ErrorCode.CIRCUIT_OPEN, "the circuit breaker of route " + route.id() + (breaker.state()
                        == BreakerState.HALF_OPEN ? " is half-open and its trial calls are under way" : " is open"));
                return;
            }
        }
        armTotalDeadline();
        startAttempt();
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
            abandonAttempt(Sample.NONE); // the client broke the framing: nothing learnt of the upstream
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
        if (last) {
            armTotalDeadline();
        }
        if (connection != null) {
            final Channel ch = connection.channel();
            sendBody(ch, content);
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

    /**
     * Writes one body piece to the upstream connection, keeping a retained copy for replay while the body fits the
     * retry buffer. Takes ownership of {@code content}.
     */
    private void sendBody(Channel ch, HttpContent content) {
        final ByteBuf data = content.content();
        final int n = data.readableBytes();
        if (n > 0) {
            if (replay != null && replayBytes + n <= route.retry().bufferBytes()) {
                replay.add(data.retainedDuplicate());
                replayBytes += n;
            } else {
                dropReplay();
                replayLost = true;
            }
        }
        final boolean last = content instanceof LastHttpContent;
        ch.write(content, ch.voidPromise());
        if (last) {
            markRequestSent();
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
        abandonAttempt(Sample.NONE); // impatience of the client is no signal of the upstream
        finishQuietly();
    }

    /** The request body stalled beyond the body timeout. */
    public void onBodyTimeout() {
        closeAfterResponse = true;
        if (responseStarted) {
            abortBoth(Sample.NONE);
        } else {
            abandonAttempt(Sample.NONE);
            respondLocal(ErrorCode.REQUEST_TIMEOUT, "request body not received in time");
        }
    }

    private void answerStatic(StaticResponse staticResponse) {
        responseStarted = true;
        responseComplete = true;
        final HttpResponse response = LocalResponses.fixed(staticResponse, requestId);
        responseStatus = staticResponse.status();
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

    // ------------------------------------------------------------------ attempts

    /** Places one attempt: the upstream's gate, a healthy endpoint, a pooled connection. */
    private void startAttempt() {
        retryTimer = null;
        if (finished || responseStarted) {
            releaseRetrySlots();
            return;
        }
        final ConcurrencyGate gate = upstream.concurrency();
        if (gate != null && !upstreamGateHeld && !enterGate(gate, /* routeLevel= */ false)) {
            return;
        }
        attemptHoldsRetrySlot = nextHoldsRetrySlot;
        nextHoldsRetrySlot = false;
        final Endpoint picked = upstream.live().pick(this, this);
        if (picked == null) {
            releaseAttemptSlots();
            noEndpoint();
            return;
        }
        endpoint = picked;
        if (attempts > 0 && fallbackReason == null) {
            retries++; // a fallback upstream's attempt is the first of its own call, never retried
        }
        attempts++;
        rememberTried(picked);
        picked.acquire();
        attemptOpen = true;
        attemptJudged = false;
        staleConnectionRetried = false;
        requestSent = false;
        attemptSentNanos = 0;
        attemptStartNanos = System.nanoTime();
        acquireConnection();
    }

    private void acquireConnection() {
        connecting = true;
        armPhaseDeadline(System.nanoTime() + timeouts.connectNanos());
        pool = pools.pool(down.eventLoop(), endpoint, upstream.pool());
        pool.acquire(this);
    }

    /**
     * No endpoint could take the attempt: none is healthy, or every healthy one has its breaker open or its
     * half-open trials taken. Says which, with a {@code Retry-After} of the soonest trial in the second case.
     */
    private void noEndpoint() {
        long soonest = Long.MAX_VALUE;
        int broken = 0;
        final long now = upstream.live().ticker().nanoTime();
        for (final Endpoint e : upstream.endpoints()) {
            final CircuitBreaker b = e.breaker();
            if (b != null && b.state() != BreakerState.CLOSED && e.health().isHealthy(now)) {
                broken++;
                soonest = Math.min(soonest, b.snapshot().openRemainingNanos());
            }
        }
        if (broken == 0) {
            fail(ErrorCode.NO_HEALTHY_ENDPOINT, "no healthy endpoint in upstream " + upstream.name());
            return;
        }
        if (route.fallback() == null) {
            retryAfter(soonest);
        }
        fail(ErrorCode.CIRCUIT_OPEN, "the circuit breakers of upstream " + upstream.name() + " let no request through"
                + " (" + broken + " of " + upstream.endpoints().size() + " endpoints open or half-open)");
    }

    /** The balancer's filter: prefers endpoints not tried yet, and takes the endpoint breaker's permit. */
    @Override
    public boolean accept(Endpoint candidate, boolean allowRepeat) {
        if (!allowRepeat && wasTried(candidate)) {
            return false;
        }
        final CircuitBreaker breaker = candidate.breaker();
        if (breaker != null) {
            final long permit = breaker.tryAcquire();
            if (!CircuitBreaker.isPermitted(permit)) {
                return false;
            }
            endpointPermit = permit;
        }
        endpointBreaker = breaker;
        return true;
    }

    private boolean wasTried(Endpoint e) {
        if (tried != null) {
            for (final Endpoint t : tried) {
                if (t == e) {
                    return true;
                }
            }
        }
        return false;
    }

    private void rememberTried(Endpoint e) {
        if (route.retry() == null || wasTried(e)) {
            return; // without retries nothing asks
        }
        if (tried == null) {
            tried = new Endpoint[] {e};
        } else {
            final Endpoint[] grown = java.util.Arrays.copyOf(tried, tried.length + 1);
            grown[tried.length] = e;
            tried = grown;
        }
    }

    @Override
    public int connectTimeoutMillis() {
        return timeouts.connectMillis();
    }

    @Override
    public void onAcquired(PooledConnection c, boolean synchronous) {
        if (finished || outcomeError != null || !connecting || c.pool() != pool) {
            // The exchange ended (client gone, timeout) while the connection was being opened.
            c.pool().release(c, true);
            return;
        }
        connecting = false;
        phaseDeadlineNanos = 0;
        connection = c;
        final Channel ch = c.channel();
        if (!route.preserveHost() && route.hostRewrite() == null) {
            request.headers().set(HttpHeaderNames.HOST, endpoint.key());
        }
        ch.write(request, ch.voidPromise());
        requestLeft = true;
        if (replay != null) {
            // A retry: what the earlier attempt sent goes again first.
            for (final ByteBuf piece : replay) {
                ch.write(new DefaultHttpContent(piece.retainedDuplicate()), ch.voidPromise());
            }
        }
        if (pendingBody != null) {
            HttpContent piece;
            while ((piece = pendingBody.poll()) != null) {
                sendBody(ch, piece);
            }
            pendingBytes = 0;
            down.setReadEnabled(ch.isWritable());
        }
        if (requestComplete && !requestSent) {
            // Bodiless request whose LastHttpContent was consumed before the connection was ready, or a replay.
            ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
            markRequestSent();
        }
        if (!synchronous) {
            ch.flush();
        }
    }

    /**
     * The whole request is written upstream: flush it, and start the per-try timeout now (not during a long
     * upload). The flush cannot be left to the client connection's read-complete: a pipelined request dispatched
     * after the previous response, or a retry, writes its last piece outside any client read, and would sit
     * unflushed forever. Within a client read batch this only moves that flush earlier.
     */
    private void markRequestSent() {
        requestSent = true;
        connection.channel().flush();
        attemptSentNanos = System.nanoTime();
        armPhaseDeadline(attemptSentNanos + timeouts.perTryNanos());
    }

    @Override
    public void onAcquireFailed(ConnectionPool from, Throwable cause) {
        if (finished || outcomeError != null || !connecting || from != pool) {
            return; // a connect for an attempt that was given up
        }
        connecting = false;
        phaseDeadlineNanos = 0;
        if (cause instanceof ConnectionPool.PoolExhaustedException) {
            // Our own pool is full: not the endpoint's fault, so it is not judged.
            attemptFailed(Outcome.CONNECT_FAILURE, 0, ErrorCode.UPSTREAM_OVERLOADED, cause.getMessage(), false);
        } else if (cause instanceof ConnectTimeoutException) {
            attemptFailed(Outcome.CONNECT_FAILURE, 0, ErrorCode.UPSTREAM_CONNECT_TIMEOUT, "connect to "
                    + endpoint.key() + " timed out", true);
        } else {
            attemptFailed(Outcome.CONNECT_FAILURE, 0, ErrorCode.UPSTREAM_CONNECT_FAILED, "cannot connect to "
                    + endpoint.key() + ": " + (cause == null ? "unknown error" : cause.getMessage()), true);
        }
    }

    /**
     * An attempt failed before a response was relayed: judge it, retry if allowed, else answer the failure.
     *
     * @param judge false when the failure says nothing about the endpoint (our own pool was full)
     */
    private void attemptFailed(Outcome outcome, int status, ErrorCode code, String message, boolean judge) {
        final boolean retry = mayRetry(outcome, status);
        if (judge) {
            judgeAttempt(outcome, status);
        }
        finishAttempt(judge ? Sample.DROPPED : Sample.NONE);
        if (retry) {
            scheduleRetry();
        } else {
            fail(code, message);
        }
    }

    /**
     * Whether the failed attempt may be retried; when it may, takes the retry-budget slot the retry will hold.
     */
    private boolean mayRetry(Outcome outcome, int status) {
        final CompiledRetry retry = route.retry();
        if (retry == null || fallbackReason != null || finished || attempts >= retry.attempts()
                || !matches(retry.on(), outcome, status)) {
            return false;
        }
        // A connect failure is safe for any method: the request never left the gateway (as nginx does).
        if (outcome != Outcome.CONNECT_FAILURE && !idempotent && !retry.nonIdempotent()) {
            return false;
        }
        if (replayLost || totalDeadlineNanos != 0 && System.nanoTime() - totalDeadlineNanos >= 0) {
            return false;
        }
        final RetryBudgetSpec budget = upstream.retryBudget();
        if (!upstream.live().tryAcquireRetry(budget.percent().fraction(), budget.minConcurrency())) {
            retry.budgetExhausted().increment();
            return false;
        }
        nextHoldsRetrySlot = true;
        return true;
    }

    private static boolean matches(OutcomeSet set, Outcome outcome, int status) {
        return switch (outcome) {
            case CONNECT_FAILURE -> set.connectFailure();
            case RESET -> set.reset();
            case TIMEOUT -> set.timeout();
            case STATUS -> set.statuses().contains(status);
        };
    }

    private void scheduleRetry() {
        final CompiledRetry retry = route.retry();
        retry.retries().increment();
        retryTimer = down.eventLoop().schedule(this::startAttempt, retry.backoffNanos(attempts),
                TimeUnit.NANOSECONDS);
    }

    /** Records the attempt's outcome with the endpoint's breaker and the upstream's outlier detector, once. */
    private void judgeAttempt(Outcome outcome, int status) {
        if (attemptJudged || !attemptOpen) {
            return;
        }
        attemptJudged = true;
        final long now = System.nanoTime();
        final CircuitBreaker breaker = endpointBreaker;
        if (breaker != null) {
            endpointBreaker = null;
            final boolean failure = upstream.breakerFailureOn() != null
                    && matches(upstream.breakerFailureOn(), outcome, status);
            if (failure) {
                breaker.onFailure(endpointPermit, now - attemptStartNanos);
            } else {
                breaker.onSuccess(endpointPermit, now - attemptStartNanos);
            }
        }
        if (upstream.outlier() != null) {
            // Not `now`: ejections end at a time on the detector's ticker, which System.nanoTime() is not.
            if (matches(upstream.outlierFailureOn(), outcome, status)) {
                upstream.outlier().onFailure(endpoint);
            } else {
                upstream.outlier().onSuccess(endpoint);
            }
        }
    }

    /** Ends the current attempt: gives back the endpoint's count, the gate slot and the retry slot. */
    private void finishAttempt(Sample sample) {
        if (!attemptOpen) {
            return;
        }
        attemptOpen = false;
        if (!attemptJudged && endpointBreaker != null) {
            endpointBreaker.onIgnored(endpointPermit);
        }
        endpointBreaker = null;
        endpoint.release();
        phaseDeadlineNanos = 0;
        if (upstreamGateHeld) {
            upstreamGateHeld = false;
            if (sample == Sample.NONE) {
                upstream.concurrency().release();
            } else {
                final long rtt = upstreamNanos >= 0 ? upstreamNanos : System.nanoTime() - attemptStartNanos;
                upstream.concurrency().release(rtt, sample == Sample.DROPPED);
            }
        }
        if (attemptHoldsRetrySlot) {
            attemptHoldsRetrySlot = false;
            upstream.live().releaseRetry();
        }
    }

    /** Gives back the slots an attempt took before it reached an endpoint. */
    private void releaseAttemptSlots() {
        if (upstreamGateHeld) {
            upstreamGateHeld = false;
            upstream.concurrency().release();
        }
        releaseRetrySlots();
    }

    private void releaseRetrySlots() {
        if (attemptHoldsRetrySlot) {
            attemptHoldsRetrySlot = false;
            upstream.live().releaseRetry();
        }
        if (nextHoldsRetrySlot) {
            nextHoldsRetrySlot = false;
            upstream.live().releaseRetry();
        }
    }

    /** Gives the route breaker's permit back without a verdict, once. */
    private void ignoreRoute() {
        if (route.breaker() != null && callStarted && !routeJudged) {
            routeJudged = true;
            route.breaker().onIgnored(routePermit);
        }
    }

    /** Records the request's outcome with the route's breaker, once. */
    private void judgeRoute(Outcome outcome, int status) {
        final CircuitBreaker breaker = route.breaker();
        if (breaker == null || routeJudged || !callStarted) {
            return;
        }
        routeJudged = true;
        final long duration = System.nanoTime() - startNanos;
        if (matches(route.breakerFailureOn(), outcome, status)) {
            breaker.onFailure(routePermit, duration);
        } else {
            breaker.onSuccess(routePermit, duration);
        }
    }

    /**
     * The upstream call failed for good: answer with the route's fallback when it covers {@code code}, else with the
     * error.
     */
    private void fail(ErrorCode code, String message) {
        if (finished || responseStarted) {
            return;
        }
        if (code == ErrorCode.UPSTREAM_OVERLOADED || code == ErrorCode.CONCURRENCY_LIMITED) {
            ignoreRoute(); // the gateway's own limits, not a failure of the upstream
        } else {
            judgeRoute(outcomeOf(code), 0);
        }
        final CompiledFallback fallback = route.fallback();
        if (fallback != null && fallbackReason == null && (fallback.staticResponse() != null || mayResend())) {
            useFallback(code.code());
            return;
        }
        if (code == ErrorCode.CONCURRENCY_LIMITED) {
            addResponseHeader(RETRY_AFTER, "1");
        } else if (code == ErrorCode.CIRCUIT_OPEN) {
            final CircuitBreaker breaker = route.breaker();
            retryAfter(breaker == null ? 0 : breaker.snapshot().openRemainingNanos());
        }
        respondLocal(code, message);
    }

    /**
     * Whether the request may go to another upstream (the fallback): when no upstream has seen it yet, or when it
     * can be sent whole again and sending it twice is safe (an idempotent method, or a route that opted in to
     * retrying non-idempotent ones), the same rule as for a retry.
     */
    private boolean mayResend() {
        if (!requestLeft) {
            return true;
        }
        final CompiledRetry retry = route.retry();
        return !replayLost && (idempotent || retry != null && retry.nonIdempotent());
    }

    private static Outcome outcomeOf(ErrorCode code) {
        return switch (code) {
            case UPSTREAM_RESET, UPSTREAM_BAD_RESPONSE -> Outcome.RESET;
            case UPSTREAM_TIMEOUT -> Outcome.TIMEOUT;
            default -> Outcome.CONNECT_FAILURE; // nothing reached an endpoint: unavailable
        };
    }

    private void useFallback(String reason) {
        fallbackReason = reason;
        snapshot.metrics().counter(GatewayMetrics.FALLBACKS, "route", route.id(), "reason", reason).increment();
        final CompiledFallback fallback = route.fallback();
        if (fallback.staticResponse() != null) {
            answerStatic(fallback.staticResponse());
            return;
        }
        upstream = fallback.upstream();
        timeouts = fallback.timeouts();
        totalDeadlineNanos = 0;
        armTotalDeadline();
        startAttempt();
    }

    /** Adds a {@code Retry-After} of {@code leftNanos} in whole seconds, rounded up, at least 1. */
    private void retryAfter(long left) {
        addResponseHeader(RETRY_AFTER, Long.toString(Math.max(1, (left + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND)));
    }

    // ------------------------------------------------------------------ concurrency gates

    /**
     * Takes a slot of {@code gate}: at once (true), or later from its queue (false; the wait continues the
     * request), or never (false; answered 503).
     */
    private boolean enterGate(ConcurrencyGate gate, boolean routeLevel) {
        if (!gate.hasQueue()) {
            if (gate.tryAcquire()) {
                markGateHeld(routeLevel);
                return true;
            }
            concurrencyLimited(routeLevel, "full");
            return false;
        }
        // With a queue, only acquire() keeps arrivals behind those already waiting (FIFO); it needs a waiter.
        final GateWait wait = new GateWait(gate, routeLevel);
        switch (gate.acquire(wait)) {
            case ADMITTED -> {
                markGateHeld(routeLevel);
                return true;
            }
            case QUEUED -> {
                gateWait = wait;
                return false;
            }
            default -> {
                concurrencyLimited(routeLevel, "queue_full");
                return false;
            }
        }
    }

    private void markGateHeld(boolean routeLevel) {
        if (routeLevel) {
            routeGateHeld = true;
        } else {
            upstreamGateHeld = true;
        }
    }

    private void concurrencyLimited(boolean routeLevel, String why) {
        releaseRetrySlots();
        final String what = routeLevel ? "route " + route.id() : "upstream " + upstream.name();
        snapshot.metrics().counter(GatewayMetrics.CONCURRENCY_REJECTED, "limit", routeLevel ? "route/" + route.id()
                : "upstream/" + upstream.name(), "reason", why).increment();
        final String message = "too many requests in flight to " + what + " (" + why.replace('_', ' ') + ")";
        if (routeLevel) {
            addResponseHeader(RETRY_AFTER, "1");
            respondLocal(ErrorCode.CONCURRENCY_LIMITED, message);
        } else {
            fail(ErrorCode.CONCURRENCY_LIMITED, message);
        }
    }

    /** One wait in a gate's queue; allocated only when a request has to wait. */
    private final class GateWait implements ConcurrencyGate.Waiter {
        private final ConcurrencyGate gate;
        private final boolean routeLevel;

        GateWait(ConcurrencyGate gate, boolean routeLevel) {
            this.gate = gate;
            this.routeLevel = routeLevel;
        }

        @Override
        public EventExecutor eventLoop() {
            return down.eventLoop();
        }

        @Override
        public void onAdmitted() {
            if (gateWait != this || finished || responseStarted) {
                gate.release(); // the request ended while it waited
                return;
            }
            gateWait = null;
            markGateHeld(routeLevel);
            if (routeLevel) {
                beginCall();
            } else {
                startAttempt();
            }
        }

        @Override
        public void onTimedOut() {
            if (gateWait != this) {
                return;
            }
            gateWait = null;
            concurrencyLimited(routeLevel, "queue_timeout");
        }
    }

    private void leaveGates() {
        final GateWait wait = gateWait;
        if (wait != null) {
            gateWait = null;
            // When the cancel loses to a hand-over, onAdmitted sees gateWait != wait and gives the slot back.
            wait.gate.cancel(wait);
        }
        if (routeGateHeld) {
            routeGateHeld = false;
            route.concurrency().release(upstreamNanos >= 0 ? upstreamNanos : System.nanoTime() - startNanos,
                    outcomeError != null);
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
                attemptFailed(Outcome.RESET, 0, ErrorCode.UPSTREAM_BAD_RESPONSE, "upstream switched protocols"
                        + " unasked", true);
                return;
            }
            skippingInterim = true; // the gateway answered 100-continue itself; other 1xx are not relayed
            return;
        }
        if (head.decoderResult().isFailure()) {
            dropUpstream();
            attemptFailed(Outcome.RESET, 0, ErrorCode.UPSTREAM_BAD_RESPONSE, "invalid response from "
                    + endpoint.key() + ": " + head.decoderResult().cause().getMessage(), true);
            return;
        }
        phaseDeadlineNanos = 0;
        upstreamNanos = attemptSentNanos == 0 ? 0 : System.nanoTime() - attemptSentNanos;
        final CompiledRetry retry = route.retry();
        if (retry != null && retry.on().statuses().contains(status) && mayRetry(Outcome.STATUS, status)) {
            judgeAttempt(Outcome.STATUS, status);
            dropUpstream();
            finishAttempt(Sample.of(status));
            scheduleRetry();
            return;
        }
        final CompiledFallback fallback = route.fallback();
        if (fallback != null && fallbackReason == null && fallback.onStatus().contains(status)
                && (fallback.staticResponse() != null || mayResend())) {
            judgeAttempt(Outcome.STATUS, status);
            judgeRoute(Outcome.STATUS, status);
            dropUpstream();
            finishAttempt(Sample.of(status));
            useFallback("status_" + status);
            return;
        }
        judgeAttempt(Outcome.STATUS, status);
        judgeRoute(Outcome.STATUS, status);
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
        dropReplay();
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
            abortBoth(Sample.DROPPED);
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
            // A relayed 503 or 504 is the upstream saying it is overloaded: a drop for an adaptive limit.
            finishAttempt(Sample.of(responseStatus));
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
        phaseDeadlineNanos = 0;
        if (finished || responseComplete) {
            return;
        }
        if (responseStarted) {
            abortBoth(Sample.DROPPED);
            return;
        }
        if (c != null && c.isReused() && !staleConnectionRetried && idempotent && bodyBytes == 0 && requestComplete
                && (attemptSentNanos == 0 || System.nanoTime() - attemptSentNanos < STALE_CLOSE_NANOS)) {
            // A pooled connection the upstream had closed while it was idle (its FIN crossed our request): the
            // request was not processed; try once more on a fresh connection to the same endpoint, within the same
            // attempt. A close that comes later is a failure of the request, for the retry policy to judge.
            staleConnectionRetried = true;
            requestSent = false;
            acquireConnection();
            return;
        }
        attemptFailed(Outcome.RESET, 0, ErrorCode.UPSTREAM_RESET, "connection to " + endpoint.key()
                + " closed before a response" + (cause == null || cause.getMessage() == null ? ""
                        : ": " + cause.getMessage()), true);
    }

    // ------------------------------------------------------------------ timeouts

    /** Starts the total timeout once the call started and the request body is complete. */
    private void armTotalDeadline() {
        if (totalDeadlineNanos == 0 && callStarted && requestComplete && timeouts.totalNanos() > 0) {
            totalDeadlineNanos = System.nanoTime() + timeouts.totalNanos();
            down.wakeUpBy(totalDeadlineNanos);
        }
    }

    /**
     * Sets the deadline of the current phase. No timer task is scheduled per request (that costs a heap insertion
     * and a cancellation each time); the connection's one timer is asked to wake up by the deadline instead.
     */
    private void armPhaseDeadline(long deadlineNanos) {
        phaseDeadlineNanos = deadlineNanos;
        down.wakeUpBy(deadlineNanos);
    }

    /** nanoTime by which this exchange needs a timer check, or 0 when it needs none. */
    public long deadlineNanos() {
        final long phase = phaseDeadlineNanos;
        final long total = totalDeadlineNanos;
        if (phase == 0 || total == 0) {
            return phase == 0 ? total : phase;
        }
        return phase - total < 0 ? phase : total;
    }

    /** Called by the connection's timer: enforces the timeouts that passed. Event loop only. */
    public void checkDeadline(long nowNanos) {
        if (finished || responseStarted) {
            return;
        }
        if (totalDeadlineNanos != 0 && nowNanos - totalDeadlineNanos >= 0) {
            onTotalTimeout();
        } else if (phaseDeadlineNanos != 0 && nowNanos - phaseDeadlineNanos >= 0) {
            phaseDeadlineNanos = 0;
            onPhaseTimeout();
        }
    }

    private void onPhaseTimeout() {
        if (connecting) {
            if (pool.cancel(this)) {
                // It waited for a pooled connection that never came free: our limit, not the endpoint's fault.
                connecting = false;
                attemptFailed(Outcome.CONNECT_FAILURE, 0, ErrorCode.UPSTREAM_OVERLOADED, "no connection to "
                        + endpoint.key() + " became free within " + millis(timeouts.connectNanos()) + " ms", false);
            }
            // Otherwise a connect is in flight with this same timeout and reports by itself.
            return;
        }
        if (attemptOpen) {
            dropUpstream();
            attemptFailed(Outcome.TIMEOUT, 0, ErrorCode.UPSTREAM_TIMEOUT, "no response from " + endpoint.key()
                    + " within " + millis(timeouts.perTryNanos()) + " ms", true);
        }
    }

    private void onTotalTimeout() {
        totalDeadlineNanos = 0;
        final String message = "no response from upstream " + upstream.name() + " within "
                + millis(timeouts.totalNanos()) + " ms" + (attempts > 1 ? " (" + attempts + " attempts)" : "");
        if (attemptOpen) {
            judgeAttempt(Outcome.TIMEOUT, 0);
        }
        abandonAttempt(Sample.DROPPED);
        fail(ErrorCode.UPSTREAM_TIMEOUT, message);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    // ------------------------------------------------------------------ completion

    /** Answers with a JSON error, unless a response was already started (then the connection is cut). */
    void respondLocal(ErrorCode code, String message) {
        respondLocal(code.status(), code.code(), message, code);
    }

    /** Answers with a JSON error of any status and code (policies bring their own). */
    private void respondLocal(HttpResponseStatus status, String code, String message, ErrorCode known) {
        if (responseStarted) {
            abortBoth(Sample.NONE);
            return;
        }
        outcomeError = known;
        outcomeCode = code;
        releasePending();
        dropReplay();
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
        releaseCall();
        releasePending();
        if (connection != null) {
            final PooledConnection c = connection;
            connection = null;
            pool.release(c, false);
        }
        down.exchangeComplete(this, closeAfterResponse || !requestComplete);
    }

    private void finishQuietly() {
        if (!finished) {
            releaseCall();
        }
    }

    /** Marks the exchange finished and gives back everything the upstream call holds. Runs once. */
    private void releaseCall() {
        finished = true;
        phaseDeadlineNanos = 0;
        totalDeadlineNanos = 0;
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        finishAttempt(Sample.NONE);
        releaseAttemptSlots();
        leaveGates();
        if (route != null) {
            ignoreRoute(); // the client left before a verdict
        }
        dropReplay();
        completePolicies();
        snapshot.listener().accessLog().write(this);
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
            extraResponseHeaders = new ArrayList<>(4);
        }
        extraResponseHeaders.add(name);
        extraResponseHeaders.add(value);
    }

    @Override
    public EventExecutor eventLoop() {
        return down.eventLoop();
    }

    /** The status sent to the client, 0 before a response started. */
    @Override
    public int responseStatus() {
        return responseStatus;
    }

    /** The stable code of the error the gateway answered with (its own or a policy's), or {@code null}. */
    @Override
    public String errorCode() {
        return outcomeCode;
    }

    // ------------------------------------------------------------------ AccessLogRecord

    @Override
    public String uri() {
        return originalUri;
    }

    @Override
    public String upstreamName() {
        return upstream == null ? null : upstream.name();
    }

    @Override
    public String endpointKey() {
        return endpoint == null ? null : endpoint.key();
    }

    @Override
    public int attempts() {
        return attempts;
    }

    @Override
    public int retries() {
        return retries;
    }

    @Override
    public String fallbackReason() {
        return fallbackReason;
    }

    @Override
    public long durationNanos() {
        return System.nanoTime() - startNanos;
    }

    @Override
    public long upstreamNanos() {
        return upstreamNanos;
    }

    // ------------------------------------------------------------------ helpers

    private void abortBoth(Sample sample) {
        abandonAttempt(sample);
        releasePending();
        finishQuietly();
        down.abort();
    }

    /** Gives up the current attempt: its connection is closed (it is mid-request) or its wait withdrawn. */
    private void abandonAttempt(Sample sample) {
        if (connecting) {
            connecting = false;
            pool.cancel(this); // when a connect is in flight instead, its callback finds the attempt gone
        }
        dropUpstream();
        finishAttempt(sample);
    }

    private void dropUpstream() {
        phaseDeadlineNanos = 0;
        final PooledConnection c = connection;
        connection = null;
        if (c != null) {
            pool.release(c, false);
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

    private void dropReplay() {
        if (replay != null) {
            ByteBuf piece;
            while ((piece = replay.poll()) != null) {
                piece.release();
            }
            replay = null;
            replayBytes = 0;
        }
    }
}
