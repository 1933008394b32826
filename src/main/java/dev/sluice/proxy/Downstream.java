package dev.sluice.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * The client side of an exchange, as the exchange sees it: implemented by the listener's connection handler.
 *
 * <p>Threading: event loop only (the client connection's loop, which is also the exchange's).
 */
public interface Downstream {
    EventLoop eventLoop();

    ByteBufAllocator alloc();

    /** Writes a response head (not flushed); {@code headRequest} tells the encoder that no body follows. */
    void writeResponseHead(HttpResponse head, boolean headRequest);

    /** Writes response body content (not flushed). Takes ownership of {@code content}. */
    void writeResponseContent(HttpContent content);

    /** Writes a complete response and flushes it. Takes ownership of {@code response}. */
    void writeFullResponse(HttpResponse response, boolean headRequest);

    /** Writes an interim {@code 100 Continue} and flushes it. */
    void writeContinue();

    void flush();

    boolean isWritable();

    /** Turns reading of the request (body) on or off: back-pressure from the upstream connection. */
    void setReadEnabled(boolean enabled);

    /** The exchange is finished; {@code close} asks to close the connection once the response is flushed. */
    void exchangeComplete(ProxyExchange exchange, boolean close);

    /** The response cannot be completed: close the connection now, so the client sees a truncated response. */
    void abort();

    /**
     * Makes sure the connection's timer runs no later than {@code deadlineNanos} (a {@link System#nanoTime()}
     * value), where it calls the current exchange's {@link ProxyExchange#checkDeadline}.
     */
    void wakeUpBy(long deadlineNanos);

    /** True while the gateway drains for shutdown: responses then carry {@code Connection: close}. */
    boolean isDraining();
}
