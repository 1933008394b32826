package dev.sluice.upstream;

import dev.sluice.policy.breaker.BreakerState;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.upstream.health.EndpointHealth;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One target of an upstream: its address and weight, plus the live count of requests in flight to it.
 *
 * <p>Identity is the {@link #key()} ({@code host:port}); the same {@code Endpoint} object is reused across
 * configuration reloads while its upstream keeps it, so live counters survive an unrelated change.
 *
 * <p>Threading: immutable except {@link #inFlight}, which any event loop updates atomically, its health, and its
 * breaker reference, which the config thread sets when a snapshot commits.
 */
public final class Endpoint {
    private final String key;
    private final String host;
    private final int port;
    private final int weight;
    private final InetSocketAddress address;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final EndpointHealth health = new EndpointHealth();
    /** The upstream's per-endpoint breaker, or {@code null} when it has none. */
    private volatile CircuitBreaker breaker;

    public Endpoint(String host, int port, int weight) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 1)");
        }
        this.port = port;
        this.weight = weight;
        this.key = host + ":" + port;
        // Unresolved: resolution happens when a connection is opened, so DNS changes are picked up.
        this.address = InetSocketAddress.createUnresolved(host, port);
    }

    /** {@code host:port}, the stable identity of this endpoint. */
    public String key() {
        return key;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int weight() {
        return weight;
    }

    /** The (unresolved) socket address to connect to. */
    public InetSocketAddress address() {
        return address;
    }

    /** Requests currently in flight to this endpoint, across all event loops. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Marks the start of a request to this endpoint; pair with {@link #release()}. */
    public void acquire() {
        inFlight.incrementAndGet();
    }

    /** Marks the end of a request started with {@link #acquire()}. */
    public void release() {
        inFlight.decrementAndGet();
    }

    /** The health of this endpoint (active checks and outlier ejection); it lives as long as this object. */
    public EndpointHealth health() {
        return health;
    }

    /** This endpoint's circuit breaker, or {@code null}. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /** Installs the breaker of the configuration being committed ({@code null}: none). Config thread. */
    public void setBreaker(CircuitBreaker breaker) {
        this.breaker = breaker;
    }

    /** True when balancers may pick this endpoint: healthy, and its breaker (if any) not open. */
    public boolean isAvailable(long nowNanos) {
        final CircuitBreaker b = breaker;
        return health.isHealthy(nowNanos) && (b == null || b.state() != BreakerState.OPEN);
    }

    @Override
    public String toString() {
        return key + (weight == 1 ? "" : " (weight " + weight + ")");
    }
}
