package dev.sluice.policy.ratelimit;

import dev.sluice.policy.Exchange;
import java.util.List;

/**
 * Builds a request's rate-limit key from the configured parts ({@code route}, {@code client_ip}, {@code consumer},
 * {@code header:NAME}, {@code query:NAME}).
 *
 * <p>A single part is used as it is (no allocation for {@code client_ip}); several are joined with {@code '|'}.
 * A part the request lacks (no such header) counts as {@code "-"}, so all such requests share one bucket instead of
 * escaping the limit.
 */
final class LimitKey {
    /** The key of a whole-route limit: every request shares it. */
    static final String ROUTE = "*";
    private static final String MISSING = "-";

    private final Part[] parts;

    private LimitKey(Part[] parts) {
        this.parts = parts;
    }

    /** Compiles validated key parts. */
    static LimitKey of(List<String> spec) {
        final Part[] parts = spec.stream().filter(p -> !p.equals("route")).map(LimitKey::part).toArray(Part[]::new);
        return new LimitKey(parts);
    }

    private static Part part(String spec) {
        if (spec.equals("client_ip")) {
            return Exchange::clientIp;
        }
        if (spec.equals("consumer")) {
            return Exchange::consumer;
        }
        final String name = spec.substring(spec.indexOf(':') + 1);
        if (spec.startsWith("header:")) {
            final io.netty.util.AsciiString header = io.netty.util.AsciiString.cached(
                    name.toLowerCase(java.util.Locale.ROOT));
            return ex -> ex.header(header);
        }
        return ex -> ex.queryParam(name);
    }

    /** The key of {@code exchange}'s request. */
    String of(Exchange exchange) {
        if (parts.length == 0) {
            return ROUTE;
        }
        if (parts.length == 1) {
            final String v = parts[0].value(exchange);
            return v == null ? MISSING : v;
        }
        final StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                sb.append('|');
            }
            final String v = parts[i].value(exchange);
            sb.append(v == null ? MISSING : v);
        }
        return sb.toString();
    }

    /** One key part's value for a request, or {@code null} when the request lacks it. */
    @FunctionalInterface
    private interface Part {
        String value(Exchange exchange);
    }
}
