package dev.sluice.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * The routes of one host pattern (an exact host, a wildcard suffix, or any host): a segment trie for template,
 * prefix and any-path routes, and a rank-ordered list of regex routes.
 *
 * <p>Regex routes cannot be indexed by segment, so they are scanned linearly; the scan stops at the first route whose
 * rank cannot beat the best trie candidate.
 *
 * @param <T> target type
 */
final class HostRoutes<T> {

    final int minRank;
    private final TrieNode<T> root;
    private final CompiledRoute<T>[] regexRoutes;

    @SuppressWarnings("unchecked")
    private HostRoutes(final TrieNode<T> root, final List<CompiledRoute<T>> regexRoutes) {
        this.root = root;
        // Routes are added in rank order by the router, so the list is already sorted.
        this.regexRoutes = regexRoutes.toArray(new CompiledRoute[0]);
        this.minRank = regexRoutes.isEmpty() ? root.minRank : Math.min(root.minRank, regexRoutes.get(0).rank);
    }

    /** Returns the best route of this host pattern with rank below {@code bound}, or {@code null}. */
    CompiledRoute<T> find(final RequestView request, final String path, final int bound) {
        if (minRank >= bound) {
            return null;
        }
        CompiledRoute<T> best = root.minRank < bound ? root.find(path, 1, bound, request) : null;
        final int limit = best == null ? bound : best.rank;
        for (final CompiledRoute<T> route : regexRoutes) {
            if (route.rank >= limit) {
                break;
            }
            if (route.predicatesMatch(request) && route.pathRegex.matches(path)) {
                best = route;
                break;
            }
        }
        return best;
    }

    /**
     * Collects one host pattern's routes during compilation.
     *
     * @param <T> target type
     */
    static final class Builder<T> {
        private final TrieNode.Builder<T> trie = new TrieNode.Builder<>();
        private final List<CompiledRoute<T>> regexRoutes = new ArrayList<>();

        /** Adds a route; routes must be added in rank order. */
        void add(final CompiledRoute<T> route) {
            if (route.pathRegex != null) {
                regexRoutes.add(route);
            } else {
                trie.add(route);
            }
        }

        HostRoutes<T> build() {
            return new HostRoutes<>(trie.build(), regexRoutes);
        }
    }
}
