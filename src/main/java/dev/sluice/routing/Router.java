package dev.sluice.routing;

import dev.sluice.config.MatchSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiled, immutable route table: finds the route for a request by host, path, method, headers and query.
 *
 * <pre>{@code
 * Router<Target> router = Router.compile(definitions);   // throws RouteCompileException listing every problem
 * RouteMatch<Target> match = router.match(request);      // null -> 404
 * }</pre>
 *
 * <p><b>Matching.</b> A route matches when all its conditions hold:
 * <ul>
 *   <li>Hosts: an exact host ({@code api.example.com}, case-insensitive) or a wildcard {@code *.example.com}, which
 *       matches one or more labels before {@code .example.com} but not {@code example.com} itself. No hosts: any.</li>
 *   <li>Path, at most one of: {@code path}, an exact path whose segments may be {@code {name}} captures (one
 *       non-empty segment each) and whose last segment may be a {@code {*name}} catch-all (the rest of the path,
 *       possibly empty, so {@code /a/{*rest}} also matches {@code /a}); {@code path_prefix}, which matches on segment
 *       boundaries ({@code /api} matches {@code /api}, {@code /api/}, {@code /api/x}, not {@code /apix}) and may
 *       contain captures; {@code path_regex}, a full match whose named groups become captures. None: any path.
 *       Trailing slashes are significant for exact paths, not for prefixes.</li>
 *   <li>Methods (case-insensitive in config), headers and query parameters: each value is an exact string,
 *       {@code *} (present with any value) or {@code ~regex} (full match of the first value).</li>
 * </ul>
 *
 * <p><b>Precedence</b> among matching routes, decided by the first rule that differs:
 * <ol>
 *   <li>higher {@code priority};</li>
 *   <li>host: exact host, then wildcards by longer suffix, then any host (a route with several hosts is ranked by
 *       the most specific one that matched);</li>
 *   <li>path tier: exact literal path, exact path with captures, prefix (a catch-all path counts as a prefix of the
 *       segments before it), regex, any path;</li>
 *   <li>within the tier: exact paths with captures by more literal segments, prefixes by more segments; then, at the
 *       first segment where two templates differ, a literal beats a capture;</li>
 *   <li>more conditions: one for a non-empty method list plus one per header and query condition;</li>
 *   <li>declaration order.</li>
 * </ol>
 * These rules give every route (per host pattern) a unique rank at compile time; matching keeps the lowest rank.
 *
 * <p>Threading: immutable after {@link #compile}; {@link #match} is safe from any number of threads.
 *
 * <p>Ownership: the router holds the definitions' targets; it never copies or closes them.
 *
 * <p>Invariants: ranks are unique; every array of routes is sorted by rank; each trie node knows the lowest rank in
 * its subtree. A request path is assumed normalised ({@link PathNormalizer}); one not starting with '/' never matches.
 *
 * <p>Algorithm: host lookup in an exact-host table, then one table probe per dot in the host for wildcard suffixes,
 * then the any-host routes. Each host pattern holds a segment trie whose literal children are looked up by the
 * segment's char range (no substring), plus a capture child; prefix routes hang on the node where their prefix ends
 * and exact routes on their terminal node. The search visits literal before capture children and skips any subtree
 * (or host pattern) whose lowest rank cannot beat the best candidate found so far. Methods, headers and query are
 * evaluated only on candidates in rank order. Regex routes are a per-host-pattern linear list, scanned only while
 * their rank can still win. Cost is proportional to the path's segment count and the host's label count, not to
 * the number of routes (except regex routes). A miss allocates nothing (regex conditions reuse a per-thread
 * {@link java.util.regex.Matcher}); a hit allocates the {@link RouteMatch} and its captures.
 *
 * <p>References: [1] RFC 9110 §4.2.3 (URI normalisation), §7.2 (Host); [2] RFC 3986 §3.3 (path segments);
 * [3] Envoy route matching, Traefik rule priority, httprouter's radix tree.
 *
 * @param <T> target type
 */
public final class Router<T> {

    private final Map<String, HostRoutes<T>> exactHosts;
    /** Keyed by the wildcard's suffix including its leading dot: {@code *.example.com} is {@code .example.com}. */
    private final SegmentTable<HostRoutes<T>> wildcardHosts;
    private final HostRoutes<T> anyHost;
    private final int routeCount;

    private Router(final Map<String, HostRoutes<T>> exactHosts, final SegmentTable<HostRoutes<T>> wildcardHosts,
            final HostRoutes<T> anyHost, final int routeCount) {
        this.exactHosts = exactHosts;
        this.wildcardHosts = wildcardHosts;
        this.anyHost = anyHost;
        this.routeCount = routeCount;
    }

    /**
     * Compiles route definitions into a router.
     *
     * @param routes the routes in declaration order
     * @return the router
     * @throws RouteCompileException listing every problem, each prefixed by {@code routes[index]}
     */
    public static <T> Router<T> compile(final List<RouteDefinition<T>> routes) throws RouteCompileException {
        Objects.requireNonNull(routes, "routes");
        final List<String> problems = new ArrayList<>();
        final List<CompiledRoute.Draft<T>> drafts = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < routes.size(); i++) {
            final String where = "routes[" + i + "]";
            final RouteDefinition<T> def = routes.get(i);
            if (def == null) {
                problems.add(where + ": must not be null");
                continue;
            }
            draft(def, i, where, ids, problems, drafts);
        }
        if (!problems.isEmpty()) {
            throw new RouteCompileException(problems);
        }
        drafts.sort(CompiledRoute.Draft::compare);

        final Map<String, HostRoutes.Builder<T>> exact = new HashMap<>();
        final Map<String, HostRoutes.Builder<T>> wildcard = new HashMap<>();
        final HostRoutes.Builder<T> any = new HostRoutes.Builder<>();
        for (int rank = 0; rank < drafts.size(); rank++) {
            final CompiledRoute.Draft<T> d = drafts.get(rank);
            final CompiledRoute<T> route = new CompiledRoute<>(d, rank);
            if (d.host == null) {
                any.add(route);
            } else {
                (d.wildcard ? wildcard : exact).computeIfAbsent(d.host, k -> new HostRoutes.Builder<>()).add(route);
            }
        }
        final Map<String, HostRoutes<T>> exactBuilt = new HashMap<>();
        exact.forEach((host, b) -> exactBuilt.put(host, b.build()));
        final Map<String, HostRoutes<T>> wildcardBuilt = new LinkedHashMap<>();
        wildcard.forEach((suffix, b) -> wildcardBuilt.put(suffix, b.build()));
        return new Router<>(exactBuilt, SegmentTable.of(wildcardBuilt), any.build(), routes.size());
    }

    /**
     * Returns the best route for a request, or {@code null} when none matches. A miss allocates nothing.
     *
     * @param request the request; its path must be normalised
     */
    public RouteMatch<T> match(final RequestView request) {
        final String path = request.path();
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        final String requestHost = request.host();
        final String host = requestHost == null ? "" : requestHost;
        CompiledRoute<T> best = null;
        int bound = Integer.MAX_VALUE;

        final HostRoutes<T> exact = exactHosts.get(host);
        if (exact != null) {
            best = exact.find(request, path, bound);
            bound = best == null ? bound : best.rank;
        }
        if (!wildcardHosts.isEmpty()) {
            // Every dot after the first char starts a candidate suffix: a.b.example.com tries .b.example.com,
            // .example.com and .com, so a wildcard always covers at least one label.
            final int len = host.length();
            for (int dot = host.indexOf('.', 1); dot > 0; dot = host.indexOf('.', dot + 1)) {
                final HostRoutes<T> wild = wildcardHosts.get(host, dot, len);
                if (wild != null) {
                    final CompiledRoute<T> found = wild.find(request, path, bound);
                    if (found != null) {
                        best = found;
                        bound = found.rank;
                    }
                }
            }
        }
        final CompiledRoute<T> found = anyHost.find(request, path, bound);
        if (found != null) {
            best = found;
        }
        return best == null ? null : best.materialize(path);
    }

    /** Returns the number of route definitions compiled into this router. */
    public int size() {
        return routeCount;
    }

    private static <T> void draft(final RouteDefinition<T> def, final int index, final String where,
            final Map<String, Integer> ids, final List<String> problems, final List<CompiledRoute.Draft<T>> out) {
        final int before = problems.size();
        final String id = def.id();
        if (id == null || id.isBlank()) {
            problems.add(where + ".id: must not be empty");
        } else {
            final Integer previous = ids.putIfAbsent(id, index);
            if (previous != null) {
                problems.add(where + ".id: \"" + id + "\" is already used by routes[" + previous + "]");
            }
        }
        final MatchSpec match = def.match();
        final String m = where + ".match";

        final int pathKinds = (match.path() != null ? 1 : 0) + (match.pathPrefix() != null ? 1 : 0)
                + (match.pathRegex() != null ? 1 : 0);
        PathTemplate template = null;
        LocalRegex regex = null;
        if (pathKinds > 1) {
            problems.add(m + ": at most one of path, path_prefix and path_regex may be set");
        } else if (match.path() != null) {
            template = PathTemplate.parse(match.path(), /* prefix= */ false, m + ".path", problems);
        } else if (match.pathPrefix() != null) {
            template = PathTemplate.parse(match.pathPrefix(), /* prefix= */ true, m + ".path_prefix", problems);
        } else if (match.pathRegex() != null) {
            try {
                regex = new LocalRegex(Pattern.compile(match.pathRegex()));
            } catch (PatternSyntaxException e) {
                problems.add(m + ".path_regex: invalid regex \"" + match.pathRegex() + "\": " + e.getDescription()
                        + " near index " + e.getIndex());
            }
        }

        final List<String> hosts = new ArrayList<>();
        for (int h = 0; h < match.hosts().size(); h++) {
            final String host = parseHost(match.hosts().get(h), m + ".hosts[" + h + "]", problems);
            if (host != null && !hosts.contains(host)) {
                hosts.add(host);
            }
        }

        final List<String> methods = new ArrayList<>();
        for (int k = 0; k < match.methods().size(); k++) {
            final String method = match.methods().get(k);
            if (method == null || !isToken(method)) {
                problems.add(m + ".methods[" + k + "]: \"" + method + "\" is not a method token");
            } else if (!methods.contains(method.toUpperCase(Locale.ROOT))) {
                methods.add(method.toUpperCase(Locale.ROOT));
            }
        }

        final List<ValueCondition> headers = new ArrayList<>();
        match.headers().forEach((name, value) -> {
            // Header names are case-insensitive (RFC 9110 §5.1); lower-case matches HTTP/2's wire form.
            final String lower = name == null ? null : name.toLowerCase(Locale.ROOT);
            final ValueCondition c = ValueCondition.parse(lower, value, m + ".headers." + name, problems);
            if (c != null) {
                headers.add(c);
            }
        });
        final List<ValueCondition> query = new ArrayList<>();
        match.query().forEach((name, value) -> {
            final ValueCondition c = ValueCondition.parse(name, value, m + ".query." + name, problems);
            if (c != null) {
                query.add(c);
            }
        });

        if (problems.size() != before) {
            return;
        }
        final String[] methodArray = methods.toArray(new String[0]);
        final ValueCondition[] headerArray = headers.toArray(new ValueCondition[0]);
        final ValueCondition[] queryArray = query.toArray(new ValueCondition[0]);
        if (hosts.isEmpty()) {
            out.add(new CompiledRoute.Draft<>(id, def.target(), index, def.priority(), null, false, template, regex,
                    methodArray, headerArray, queryArray));
        }
        for (final String host : hosts) {
            final boolean wildcard = host.startsWith("*.");
            out.add(new CompiledRoute.Draft<>(id, def.target(), index, def.priority(),
                    wildcard ? host.substring(1) : host, wildcard, template, regex, methodArray, headerArray,
                    queryArray));
        }
    }

    /** Returns the lower-cased host pattern, or {@code null} after adding a problem. */
    private static String parseHost(final String raw, final String where, final List<String> problems) {
        if (raw == null || raw.isEmpty()) {
            problems.add(where + ": must not be empty");
            return null;
        }
        final String host = raw.toLowerCase(Locale.ROOT);
        final boolean wildcard = host.startsWith("*.");
        final String name = wildcard ? host.substring(2) : host;
        if (name.isEmpty()) {
            problems.add(where + ": \"" + raw + "\" has no domain after \"*.\"");
            return null;
        }
        if (name.startsWith("[") && name.endsWith("]") && !wildcard) {
            return host; // IPv6 literal, e.g. [::1]
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            if (c == ':') {
                problems.add(where + ": \"" + raw + "\" must not contain a port (hosts are matched without port)");
                return null;
            }
            final boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
            if (!ok) {
                problems.add(where + ": \"" + raw + "\" is not a host name or \"*.\" wildcard (unexpected '"
                        + c + "')");
                return null;
            }
        }
        if (name.startsWith(".") || name.endsWith(".") || name.contains("..")) {
            problems.add(where + ": \"" + raw + "\" has an empty label");
            return null;
        }
        return host;
    }

    /** RFC 9110 §5.6.2 token. */
    private static boolean isToken(final String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
