package dev.sluice.runtime;

import dev.sluice.upstream.Endpoint;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Live state that must survive configuration reloads, keyed by stable ids: today the upstream endpoints (with
 * their in-flight counters). An unchanged endpoint of an unchanged upstream is the same object in the next
 * snapshot; endpoints no snapshot uses any more are dropped at {@link #retainOnly}.
 *
 * <p>Threading: used only by the config thread that compiles snapshots.
 */
public final class StateRegistry {
    private final Map<String, Endpoint> endpoints = new HashMap<>();

    /** The endpoint for {@code upstream}'s target, reusing the existing object when nothing about it changed. */
    Endpoint endpoint(String upstream, String host, int port, int weight, Set<String> usedKeys) {
        final String key = upstream + "|" + host + ":" + port + "|" + weight;
        usedKeys.add(key);
        return endpoints.computeIfAbsent(key, k -> new Endpoint(host, port, weight));
    }

    /** Forgets state whose key was not used by the snapshot just installed. */
    void retainOnly(Set<String> usedKeys) {
        endpoints.keySet().retainAll(usedKeys);
    }
}
