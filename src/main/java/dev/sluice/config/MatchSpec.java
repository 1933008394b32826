package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Match conditions of a route; all given conditions must hold. At most one of {@code path}, {@code pathPrefix} and
 * {@code pathRegex} is set; none means every path.
 *
 * <p>Hosts are stored lower-cased and methods upper-cased (DNS names are case-insensitive, RFC 4343; methods are
 * case-sensitive and registered upper-case, RFC 9110 section 9.1), so the router compares exact strings.
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
        hosts = hosts == null ? List.of() : mapCase(hosts, /* upper= */ false);
        methods = methods == null ? List.of() : mapCase(methods, /* upper= */ true);
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        query = query == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }

    /** Matches every request. */
    public static MatchSpec any() {
        return new MatchSpec(null, null, null, null, null, null, null);
    }

    /**
     * Binding entry point; also accepts {@code host:} for {@code hosts:} and {@code method:} for {@code methods:},
     * because the single-value spelling is what operators type for the common one-host route.
     */
    @JsonCreator
    static MatchSpec fromConfig(
            @JsonProperty("hosts") @JsonAlias("host") List<String> hosts,
            @JsonProperty("path") String path,
            @JsonProperty("path_prefix") String pathPrefix,
            @JsonProperty("path_regex") String pathRegex,
            @JsonProperty("methods") @JsonAlias("method") List<String> methods,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("query") Map<String, String> query) {
        return new MatchSpec(hosts, path, pathPrefix, pathRegex, methods, headers, query);
    }

    private static List<String> mapCase(List<String> values, boolean upper) {
        final List<String> out = new ArrayList<>(values.size());
        for (final String value : values) {
            // A null element is kept as null so List.copyOf rejects it with its usual NullPointerException.
            out.add(value == null ? null : upper ? value.toUpperCase(Locale.ROOT) : value.toLowerCase(Locale.ROOT));
        }
        return List.copyOf(out);
    }
}
