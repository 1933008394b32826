package dev.sluice.policy;

/**
 * One stage of a route's request handling (authentication, rate limiting, ...), compiled from the route's
 * configuration into the snapshot.
 *
 * <p>Threading: {@link #onRequest} and {@link #onComplete} run on the request's event loop and must not block;
 * the same instance serves every event loop concurrently, so any state it keeps is thread-safe (usually it lives
 * in a state object taken from the {@code StateRegistry}, so it survives unrelated reloads).
 */
public interface Policy {
    /** Decides on a request before it is sent upstream. */
    PolicyResult onRequest(Exchange exchange);

    /**
     * Called exactly once for every request whose {@link #onRequest} returned {@link PolicyResult#CONTINUE} or a
     * delay that was honoured, when the exchange ends.
     *
     * @param status the status the client got (0 when the connection failed before a response)
     */
    default void onComplete(Exchange exchange, int status) {
    }
}
