package dev.sluice.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node of a host's path segment trie: literal children by segment text, one capture child, the prefix routes
 * ending here (they match any path that reaches this node) and the exact routes ending here (they match when the
 * path has no segments left).
 *
 * <p>Invariants: route arrays are sorted by rank; {@link #minRank} is the lowest rank in this subtree, so a search
 * that already holds a better candidate skips the subtree without entering it.
 *
 * @param <T> target type
 */
final class TrieNode<T> {

    private static final CompiledRoute<?>[] NO_ROUTES = new CompiledRoute<?>[0];

    final int minRank;
    private final SegmentTable<TrieNode<T>> literals;
    private final TrieNode<T> capture;
    private final CompiledRoute<T>[] prefixRoutes;
    private final CompiledRoute<T>[] exactRoutes;

    private TrieNode(final Builder<T> b) {
        final Map<String, TrieNode<T>> children = new LinkedHashMap<>();
        int min = Integer.MAX_VALUE;
        for (final Map.Entry<String, Builder<T>> e : b.literals.entrySet()) {
            final TrieNode<T> child = new TrieNode<>(e.getValue());
            children.put(e.getKey(), child);
            min = Math.min(min, child.minRank);
        }
        this.literals = SegmentTable.of(children);
        this.capture = b.capture == null ? null : new TrieNode<>(b.capture);
        if (capture != null) {
            min = Math.min(min, capture.minRank);
        }
        this.prefixRoutes = sorted(b.prefixRoutes);
        this.exactRoutes = sorted(b.exactRoutes);
        if (prefixRoutes.length > 0) {
            min = Math.min(min, prefixRoutes[0].rank);
        }
        if (exactRoutes.length > 0) {
            min = Math.min(min, exactRoutes[0].rank);
        }
        this.minRank = min;
    }

    /**
     * Returns the best route below this node with rank below {@code bound} whose predicates hold, or {@code null}.
     * Allocates nothing.
     *
     * @param path the normalised request path
     * @param pos  index of the next segment's first char; {@code > path.length()} when every segment is consumed
     */
    CompiledRoute<T> find(final String path, final int pos, final int bound, final RequestView request) {
        CompiledRoute<T> best = first(prefixRoutes, bound, request);
        int limit = best == null ? bound : best.rank;
        final int len = path.length();
        if (pos > len) {
            final CompiledRoute<T> exact = first(exactRoutes, limit, request);
            return exact != null ? exact : best;
        }
        int end = path.indexOf('/', pos);
        if (end < 0) {
            end = len;
        }
        final TrieNode<T> literal = literals.get(path, pos, end);
        if (literal != null && literal.minRank < limit) {
            final CompiledRoute<T> found = literal.find(path, end + 1, limit, request);
            if (found != null) {
                best = found;
                limit = found.rank;
            }
        }
        // A capture matches exactly one non-empty segment.
        if (capture != null && end > pos && capture.minRank < limit) {
            final CompiledRoute<T> found = capture.find(path, end + 1, limit, request);
            if (found != null) {
                best = found;
            }
        }
        return best;
    }

    private static <T> CompiledRoute<T> first(final CompiledRoute<T>[] routes, final int bound,
            final RequestView request) {
        for (final CompiledRoute<T> route : routes) {
            if (route.rank >= bound) {
                return null;
            }
            if (route.predicatesMatch(request)) {
                return route;
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static <T> CompiledRoute<T>[] sorted(final List<CompiledRoute<T>> routes) {
        if (routes.isEmpty()) {
            return (CompiledRoute<T>[]) NO_ROUTES;
        }
        final CompiledRoute<T>[] out = routes.toArray(new CompiledRoute[0]);
        Arrays.sort(out, Comparator.comparingInt(r -> r.rank));
        return out;
    }

    /**
     * Mutable trie under construction; used only by the compiling thread.
     *
     * @param <T> target type
     */
    static final class Builder<T> {
        private final Map<String, Builder<T>> literals = new LinkedHashMap<>();
        private Builder<T> capture;
        private final List<CompiledRoute<T>> prefixRoutes = new ArrayList<>();
        private final List<CompiledRoute<T>> exactRoutes = new ArrayList<>();

        void add(final CompiledRoute<T> route) {
            final PathTemplate template = route.template;
            if (template == null) {
                // Any path: a prefix of zero segments.
                prefixRoutes.add(route);
                return;
            }
            Builder<T> node = this;
            for (int i = 0; i < template.depth(); i++) {
                final String literal = template.literals[i];
                if (literal != null) {
                    node = node.literals.computeIfAbsent(literal, k -> new Builder<>());
                } else {
                    if (node.capture == null) {
                        node.capture = new Builder<>();
                    }
                    node = node.capture;
                }
            }
            (template.matchesByPrefix() ? node.prefixRoutes : node.exactRoutes).add(route);
        }

        TrieNode<T> build() {
            return new TrieNode<>(this);
        }
    }
}
