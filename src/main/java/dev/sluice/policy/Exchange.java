package dev.sluice.policy;

import io.netty.util.concurrent.EventExecutor;

/**
 * What a policy sees of a request and may do to it. Implemented by the proxy's per-request exchange, so the
 * policy package never depends on the proxy.
 *
 * <p>Threading: every method is called on the request's event loop, except {@link #eventLoop()} itself which
 * is safe anywhere; a policy that completes asynchronously (a Redis round trip) hops back with
 * {@code eventLoop().execute(...)} before calling {@link #resume}.
 */
public interface Exchange {
    String requestId();

    /** The id of the matched route. */
    String routeId();

    /** Upper-case method token. */
    String method();

    /** Normalised path without query. */
    String path();

    /** Lower-case host without port, or empty. */
    String host();

    /** Client address after trusted-proxy resolution. */
    String clientIp();

    /** First value of a request header, or {@code null}. */
    String header(CharSequence name);

    /** First decoded value of a query parameter, or {@code null}. */
    String queryParam(String name);

    /** The authenticated consumer's identity, or {@code null} when no auth policy ran or it found none. */
    String consumer();

    /** Adds a header to the response the client will get, whether proxied or answered by the gateway. */
    void addResponseHeader(CharSequence name, CharSequence value);

    /** The event loop this request runs on. */
    EventExecutor eventLoop();

    /**
     * Continues the request policies after a {@link PolicyResult#PENDING} decision. Event loop only; called at most
     * once per pending decision.
     */
    void resume(PolicyResult result);
}
