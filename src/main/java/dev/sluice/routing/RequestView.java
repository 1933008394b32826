package dev.sluice.routing;

/**
 * The parts of a request that routing looks at.
 *
 * <p>Implemented by the proxy's exchange; the router only reads it. Implementations should answer without allocating
 * so that a routing miss stays allocation-free.
 */
public interface RequestView {

    /** Returns the method as an upper-case token, e.g. {@code GET}. */
    String method();

    /** Returns the host without port, lower-case; empty when the request carried none. */
    String host();

    /** Returns the path as produced by {@link PathNormalizer#normalize}. */
    String path();

    /**
     * Returns the first value of a header, or {@code null} if absent.
     *
     * @param name header name; the lookup is case-insensitive (RFC 9110 §5.1)
     */
    String header(CharSequence name);

    /**
     * Returns the first percent-decoded value of a query parameter, or {@code null} if absent.
     *
     * @param name the exact (case-sensitive) parameter name
     */
    String queryParam(String name);
}
