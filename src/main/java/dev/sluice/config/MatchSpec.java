package dev.sluice.config;

import java.util.List;
import java.util.Map;

/**
 * Match conditions of a route; all given conditions must hold. At most one of {@code path}, {@code pathPrefix} and
 * {@code pathRegex} is set; none means every path.
 *
 * @param hosts      exact host names or {@code *.example.com} wildcards; empty means any host
 * @param path       exact path, may contain {@code {name}} segment captures: {@code /users/{id}}
 * @param pathPrefix path prefix on segment boundaries, may contain captures: {@code /api/{version}}
 * @param pathRegex  a Java regular expression the whole path must match; named groups become captures
 * @param methods    allowed methods; empty means any method
 * @param headers    header name to required value: an exact value, {@code *} for "present", or {@code ~regex}
 * @param query      query parameter name to required value, same value syntax as headers
 */
public record MatchSpec(
        List<String> hosts,
        String path,
        String pathPrefix,
        String pathRegex,
        List<String> methods,
        Map<String, String> headers,
        Map<String, String> query) {

    public MatchSpec {
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        methods = methods == null ? List.of() : List.copyOf(methods);
        headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        query = query == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query));
    }

    /** Matches every request. */
    public static MatchSpec any() {
        return new MatchSpec(null, null, null, null, null, null, null);
    }
}
