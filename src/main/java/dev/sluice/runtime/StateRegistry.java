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
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateRegistry.class);

    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private final Map<String, Entry> states = new HashMap<>();
    private final Set<String> usedStates = new java.util.HashSet<>();

    /** A piece of policy state and the spec it was built from. */
    private record Entry(Object spec, Object state) {}

    /**
     * The state under {@code key} if it was built from an equal {@code spec}, else a new one (the old one is
     * closed when it is {@link AutoCloseable}).
     */
    @SuppressWarnings("unchecked")
    <T> T state(String key, Object spec, java.util.function.Supplier<T> create) {
        usedStates.add(key);
        final Entry existing = states.get(key);
        if (existing != null && existing.spec().equals(spec)) {
            return (T) existing.state();
        }
        if (existing != null) {
            close(existing.state());
        }
        final T created = create.get();
        states.put(key, new Entry(spec, created));
        return created;
    }

    private static void close(Object state) {
        if (state instanceof AutoCloseable) {
            try {
                ((AutoCloseable) state).close();
            } catch (Exception e) {
                log.warn("closing retired policy state failed", e);
            }
        }
    }

    /** The endpoint for {@code upstream}'s target, reusing the existing object when nothing about it changed. */
    Endpoint endpoint(String upstream, String host, int port, int weight, Set<String> usedKeys) {
        final String key = upstream + "|" + host + ":" + port + "|" + weight;
        usedKeys.add(key);
        return endpoints.computeIfAbsent(key, k -> new Endpoint(host, port, weight));
    }

    /** Forgets state whose key was not used by the snapshot just installed. */
    void retainOnly(Set<String> usedKeys) {
        endpoints.keySet().retainAll(usedKeys);
        states.entrySet().removeIf(e -> {
            if (usedStates.contains(e.getKey())) {
                return false;
            }
            close(e.getValue().state());
            return true;
        });
        usedStates.clear();
    }

    /** Forgets which states the failed compile touched, so they are not kept alive by it. */
    void discardUsage() {
        usedStates.clear();
    }
}
