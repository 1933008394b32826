package dev.sluice.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * One route compiled for one of its host patterns, with its global precedence rank.
 *
 * <p>A route listing several hosts becomes several {@code CompiledRoute}s that share their conditions but differ in
 * host specificity, and so in rank. Lower rank wins; ranks are unique within a router.
 *
 * @param <T> target type
 */
final class CompiledRoute<T> {

    // Path tiers, most specific first (see Router's class comment).
    static final int TIER_EXACT_LITERAL = 5;
    static final int TIER_EXACT_TEMPLATE = 4;
    static final int TIER_PREFIX = 3;
    static final int TIER_REGEX = 2;
    static final int TIER_ANY = 1;

    private static final String[] NO_STRINGS = new String[0];

    final String id;
    final T target;
    final int rank;
    /** Non-null for path, path_prefix and catch-all routes. */
    final PathTemplate template;
    /** Non-null for path_regex routes. */
    final LocalRegex pathRegex;
    private final List<String> regexGroups;
    private final String[] methods;
    private final ValueCondition[] headers;
    private final ValueCondition[] query;

    CompiledRoute(final Draft<T> d, final int rank) {
        this.id = d.id;
        this.target = d.target;
        this.rank = rank;
        this.template = d.template;
        this.pathRegex = d.pathRegex;
        this.regexGroups = d.pathRegex == null ? List.of() : LocalRegex.namedGroups(d.pathRegex.pattern().pattern());
        this.methods = d.methods;
        this.headers = d.headers;
        this.query = d.query;
    }

    /** Evaluates methods, headers and query; the host and path were matched by the lookup structure. */
    boolean predicatesMatch(final RequestView request) {
        if (methods.length > 0) {
            final String method = request.method();
            boolean found = false;
            for (final String m : methods) {
                if (m.equals(method)) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        for (final ValueCondition h : headers) {
            if (!h.test(request.header(h.name))) {
                return false;
            }
        }
        for (final ValueCondition q : query) {
            if (!q.test(request.queryParam(q.name))) {
                return false;
            }
        }
        return true;
    }

    /** Builds the match for a path this route is known to match; the only allocating step of a lookup. */
    RouteMatch<T> materialize(final String path) {
        if (template != null) {
            return materializeTemplate(path);
        }
        if (pathRegex != null) {
            final List<String> pairs = new ArrayList<>(regexGroups.size() * 2);
            final boolean matched = pathRegex.capture(path, regexGroups, pairs);
            assert matched : "materialize is only called for a route whose regex matched this path";
            final String[] names = new String[pairs.size() / 2];
            final String[] values = new String[names.length];
            for (int i = 0; i < names.length; i++) {
                names[i] = pairs.get(2 * i);
                values[i] = pairs.get(2 * i + 1);
            }
            return new RouteMatch<>(target, id, names, values, path);
        }
        return new RouteMatch<>(target, id, NO_STRINGS, NO_STRINGS, path);
    }

    private RouteMatch<T> materializeTemplate(final String path) {
        final String[] captures = template.captures;
        int count = template.catchAll == null ? 0 : 1;
        for (final String c : captures) {
            if (c != null) {
                count++;
            }
        }
        final String[] names = count == 0 ? NO_STRINGS : new String[count];
        final String[] values = count == 0 ? NO_STRINGS : new String[count];
        final int len = path.length();
        int k = 0;
        int pos = 1;
        for (final String capture : captures) {
            int end = path.indexOf('/', pos);
            if (end < 0) {
                end = len;
            }
            if (capture != null) {
                names[k] = capture;
                values[k++] = path.substring(pos, end);
            }
            pos = end + 1;
        }
        if (!template.matchesByPrefix()) {
            return new RouteMatch<>(target, id, names, values, path);
        }
        // pos - 1 is the '/' after the last prefix segment, or the end of the path.
        final int restAt = captures.length == 0 ? 0 : pos - 1;
        final String rest = restAt >= len ? "/" : restAt == 0 ? path : path.substring(restAt);
        if (template.catchAll != null) {
            names[k] = template.catchAll;
            values[k] = rest.substring(1);
        }
        return new RouteMatch<>(target, id, names, values, rest);
    }

    @Override
    public String toString() {
        return "CompiledRoute[" + id + ", rank=" + rank + "]";
    }

    /**
     * A route for one host pattern before ranking, carrying its precedence key.
     *
     * @param <T> target type
     */
    static final class Draft<T> {
        final String id;
        final T target;
        final int index;
        final int priority;
        /** Host pattern: an exact host, a wildcard suffix such as {@code .example.com}, or {@code null} for any. */
        final String host;
        final boolean wildcard;
        final PathTemplate template;
        final LocalRegex pathRegex;
        final String[] methods;
        final ValueCondition[] headers;
        final ValueCondition[] query;

        Draft(final String id, final T target, final int index, final int priority, final String host,
                final boolean wildcard, final PathTemplate template, final LocalRegex pathRegex,
                final String[] methods, final ValueCondition[] headers, final ValueCondition[] query) {
            this.id = id;
            this.target = target;
            this.index = index;
            this.priority = priority;
            this.host = host;
            this.wildcard = wildcard;
            this.template = template;
            this.pathRegex = pathRegex;
            this.methods = methods;
            this.headers = headers;
            this.query = query;
        }

        /** Exact host beats any wildcard; a longer wildcard suffix beats a shorter one; any host is last. */
        int hostScore() {
            if (host == null) {
                return -1;
            }
            return wildcard ? host.length() : Integer.MAX_VALUE;
        }

        int pathTier() {
            if (template != null) {
                if (template.matchesByPrefix()) {
                    return TIER_PREFIX;
                }
                return template.literalCount() == template.depth() ? TIER_EXACT_LITERAL : TIER_EXACT_TEMPLATE;
            }
            return pathRegex != null ? TIER_REGEX : TIER_ANY;
        }

        /** Within a tier: literal segment count for exact templates, depth for prefixes, 0 otherwise. */
        int pathScore() {
            if (template == null) {
                return 0;
            }
            return template.matchesByPrefix() ? template.depth() : template.literalCount();
        }

        long pathMask() {
            return template == null ? 0 : template.literalMask();
        }

        int conditionCount() {
            return (methods.length > 0 ? 1 : 0) + headers.length + query.length;
        }

        /** Orders drafts best first: the documented precedence key. */
        static int compare(final Draft<?> a, final Draft<?> b) {
            int c = Integer.compare(b.priority, a.priority);
            if (c == 0) {
                c = Integer.compare(b.hostScore(), a.hostScore());
            }
            if (c == 0) {
                c = Integer.compare(b.pathTier(), a.pathTier());
            }
            if (c == 0) {
                c = Integer.compare(b.pathScore(), a.pathScore());
            }
            if (c == 0) {
                c = Long.compare(b.pathMask(), a.pathMask());
            }
            if (c == 0) {
                c = Integer.compare(b.conditionCount(), a.conditionCount());
            }
            if (c == 0) {
                c = Integer.compare(a.index, b.index);
            }
            return c;
        }
    }
}
