package dev.sluice.server;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Head checks Netty's decoder does not make: version, method case, Host (RFC 9112 §3.2), Transfer-Encoding and
 * the request target. Byte-level checks (obs-fold, request-line shape) live in {@link Http1ServerCodec}.
 */
final class RequestValidator {
    private RequestValidator() {}

    /** Returns a description of what is wrong with the head, or {@code null} when it is acceptable. */
    static String check(HttpRequest request) {
        final HttpVersion version = request.protocolVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            // The decoder's scanner already insists on the exact bytes HTTP/1.0 or HTTP/1.1; this keeps the
            // identity comparisons below (and in ProxyExchange) sound if that ever changes.
            return "unsupported HTTP version " + version.text();
        }
        if (!isUpperCaseMethod(request.method().name())) {
            return "method must be upper case";
        }
        final HttpHeaders headers = request.headers();
        final List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
        if (hosts.size() > 1) {
            return "more than one Host header";
        }
        if (hosts.isEmpty() && request.protocolVersion() == HttpVersion.HTTP_1_1) {
            return "missing Host header"; // RFC 9112 §3.2: a 1.1 request without Host is answered 400
        }
        if (!hosts.isEmpty() && !isValidHost(hosts.get(0))) {
            return "invalid Host header";
        }
        final List<String> te = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!te.isEmpty()) {
            // Only plain "chunked" is accepted: anything else is a smuggling attempt or a coding we would
            // have to undo before forwarding.
            // 400 rather than RFC 9112 §6.1's SHOULD-501 for an unknown coding: ErrorCode has no 501 yet.
            if (te.size() != 1 || !HttpHeaderValues.CHUNKED.contentEqualsIgnoreCase(te.get(0).trim())) {
                return "unsupported Transfer-Encoding";
            }
        }
        final String uri = request.uri();
        if (uri.isEmpty()) {
            return "empty request target";
        }
        final char first = uri.charAt(0);
        if (first != '/') {
            if (uri.equals("*") && request.method() == HttpMethod.OPTIONS) {
                return "asterisk-form requests are not proxied";
            }
            if (!(uri.regionMatches(true, 0, "http://", 0, 7) || uri.regionMatches(true, 0, "https://", 0, 8))) {
                return "request target must be a path or an absolute http URI";
            }
        }
        for (int i = 0; i < uri.length(); i++) {
            final char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                return "invalid character in request target";
            }
        }
        return null;
    }

    /**
     * Methods are case-sensitive tokens (RFC 9110 §9.1), so {@code get} is not GET. Route method rules compare
     * exactly, while some upstream frameworks fold case: forwarding {@code get} could slip past a rule that only
     * allows, say, POST. Like nginx, only upper-case letters, '-' and '_' are accepted.
     */
    private static boolean isUpperCaseMethod(String method) {
        for (int i = 0; i < method.length(); i++) {
            final char c = method.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c == '-' || c == '_')) {
                return false;
            }
        }
        return !method.isEmpty();
    }

    private static boolean isValidHost(String host) {
        if (host.isEmpty()) {
            return true; // RFC 9112 §3.2 allows an empty Host when the target has no authority
        }
        for (int i = 0; i < host.length(); i++) {
            final char c = host.charAt(i);
            final boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
