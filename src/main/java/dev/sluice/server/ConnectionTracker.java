package dev.sluice.server;

import io.netty.channel.Channel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The open client connections of a listener, so a graceful shutdown can ask each one to drain and wait for them.
 *
 * <p>Threading: add/remove from event loops, {@link #drain} from the shutdown thread (never an event loop).
 */
public final class ConnectionTracker {
    private final Map<Channel, ProxyHandler> open = new ConcurrentHashMap<>();

    void add(Channel channel, ProxyHandler handler) {
        open.put(channel, handler);
        channel.closeFuture().addListener(f -> open.remove(channel));
    }

    /** Number of open client connections. */
    public int size() {
        return open.size();
    }

    /**
     * Asks every connection to finish its current request and close, then waits up to {@code timeoutNanos} for
     * all to close. Returns the number still open at the deadline.
     */
    public int drain(long timeoutNanos) throws InterruptedException {
        for (Map.Entry<Channel, ProxyHandler> e : open.entrySet()) {
            final ProxyHandler handler = e.getValue();
            e.getKey().eventLoop().execute(handler::drain);
        }
        final long deadline = System.nanoTime() + timeoutNanos;
        for (Channel ch : open.keySet()) {
            final long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            ch.closeFuture().await(left, TimeUnit.NANOSECONDS);
        }
        return open.size();
    }

    /** Closes every connection at once (after the drain deadline). */
    public void closeAll() {
        open.keySet().forEach(Channel::close);
    }
}
