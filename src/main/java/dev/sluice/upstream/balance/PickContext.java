package dev.sluice.upstream.balance;

/**
 * The parts of a request a balancer may hash on. Implemented by the proxy's per-request exchange, so reading a
 * value allocates nothing unless the balancer asks for it.
 */
public interface PickContext {
    /** The client's IP address as text (after trusted-proxy resolution). */
    String clientIp();

    /** The normalised request path, without the query string. */
    String path();

    /** First value of a request header, or {@code null} when absent. */
    String header(CharSequence name);

    /** Value of a request cookie, or {@code null} when absent. */
    String cookie(String name);
}
