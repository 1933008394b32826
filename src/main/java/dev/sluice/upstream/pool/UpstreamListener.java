package dev.sluice.upstream.pool;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives the events of the pooled connection a request currently holds. Event loop only.
 */
public interface UpstreamListener {
    /** The response head arrived. Caller keeps no reference; the listener may keep it. */
    void onResponseHead(HttpResponse head);

    /** A piece of the response body arrived. Takes ownership of {@code content}. */
    void onResponseContent(HttpContent content);

    /** A read batch from the upstream ended: a good moment to flush downstream. */
    void onUpstreamReadComplete();

    /** The connection's writability changed (request-body back-pressure). */
    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection failed or closed before the exchange released it. */
    void onUpstreamClosed(Throwable cause);
}
