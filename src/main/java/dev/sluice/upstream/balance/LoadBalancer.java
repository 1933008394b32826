package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;

/**
 * Picks the endpoint for one request from a fixed, non-empty set of endpoints.
 *
 * <p>Threading: {@link #pick} is called concurrently from every event loop; implementations are lock-free.
 * An instance is built for one endpoint list and is rebuilt (by {@link LoadBalancers#create}) when that list
 * changes, so implementations may precompute anything from it.
 */
public interface LoadBalancer {
    /**
     * Picks an endpoint for a request.
     *
     * @param request what the request offers for hashing (client address, headers, cookies, path)
     * @return the chosen endpoint, never {@code null} (the endpoint list is never empty)
     */
    Endpoint pick(PickContext request);
}
