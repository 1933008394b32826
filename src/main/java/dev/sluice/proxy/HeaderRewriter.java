package dev.sluice.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * The header changes every proxied message gets, whatever the route says (RFC 9110 §7.6).
 *
 * <ul>
 *   <li>Hop-by-hop fields are removed: {@code Connection} and every field it names, {@code Keep-Alive},
 *       {@code Proxy-Connection}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding}, {@code Upgrade}
 *       (RFC 9110 §7.6.1). Framing is then set again by the gateway for its own hop.</li>
 *   <li>{@code Via} gets this hop appended (RFC 9110 §7.6.3).</li>
 *   <li>{@code X-Forwarded-For/-Proto/-Host}: appended to when the peer is a trusted proxy, replaced otherwise, so
 *       a client cannot forge the chain an upstream relies on.</li>
 * </ul>
 */
public final class HeaderRewriter {
    static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
    static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    static final AsciiString VIA_VALUE = AsciiString.cached("1.1 sluice");
    static final AsciiString VIA_SUFFIX = AsciiString.cached(", 1.1 sluice");

    private HeaderRewriter() {}

    /** Removes the hop-by-hop fields from {@code headers}, including those named by {@code Connection}. */
    public static void removeHopByHop(HttpHeaders headers) {
        if (headers.contains(HttpHeaderNames.CONNECTION)) {
            final List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
            for (String value : values) {
                int start = 0;
                while (start < value.length()) {
                    int comma = value.indexOf(',', start);
                    if (comma < 0) {
                        comma = value.length();
                    }
                    final String token = value.substring(start, comma).trim();
                    if (!token.isEmpty()) {
                        headers.remove(token);
                    }
                    start = comma + 1;
                }
            }
            headers.remove(HttpHeaderNames.CONNECTION);
        }
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(PROXY_CONNECTION);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        headers.remove(HttpHeaderNames.UPGRADE);
    }

    /** Appends this gateway to {@code Via}. */
    public static void addVia(HttpHeaders headers) {
        final String via = headers.get(HttpHeaderNames.VIA);
        if (via == null) {
            headers.set(HttpHeaderNames.VIA, VIA_VALUE);
        } else {
            headers.set(HttpHeaderNames.VIA, via + VIA_SUFFIX);
        }
    }

    /**
     * Sets the {@code X-Forwarded-*} fields for a request received from {@code peerIp}.
     *
     * @param peerTrusted whether the peer is a trusted proxy, whose existing values are kept and appended to
     * @param host        the Host the client asked for
     */
    public static void setForwarded(HttpHeaders headers, String peerIp, boolean peerTrusted, String proto,
            String host) {
        final String xff = peerTrusted ? headers.get(X_FORWARDED_FOR) : null;
        headers.set(X_FORWARDED_FOR, xff == null || xff.isEmpty() ? peerIp : xff + ", " + peerIp);
        if (!peerTrusted || !headers.contains(X_FORWARDED_PROTO)) {
            headers.set(X_FORWARDED_PROTO, proto);
        }
        if (!peerTrusted || !headers.contains(X_FORWARDED_HOST)) {
            if (host != null) {
                headers.set(X_FORWARDED_HOST, host);
            } else {
                headers.remove(X_FORWARDED_HOST);
            }
        }
    }

    /**
     * The client's address: the peer itself, or, when the peer is a trusted proxy, the right-most address of
     * {@code X-Forwarded-For} that is not itself a trusted proxy.
     */
    public static String clientIp(String peerIp, boolean peerTrusted, String xff,
            java.util.function.Predicate<String> trusted) {
        if (!peerTrusted || xff == null || xff.isEmpty()) {
            return peerIp;
        }
        int end = xff.length();
        while (end > 0) {
            final int comma = xff.lastIndexOf(',', end - 1);
            final String candidate = xff.substring(comma + 1, end).trim();
            if (!candidate.isEmpty() && !trusted.test(candidate)) {
                return candidate;
            }
            end = comma < 0 ? 0 : comma;
        }
        return peerIp;
    }
}
