package dev.sluice.runtime;

import dev.sluice.upstream.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Live state that must survive configuration reloads, keyed by stable ids: upstream endpoints (with their in-flight
 * counters and health), limiter buckets, circuit breakers, health checkers, concurrency gates.
 *
 * <p>Each compile is a transaction. {@link #state} hands out the object stored under a key when the running
 * configuration built it from an equal spec, else a new one, which is staged. {@link #commit} (the compile
 * succeeded and its snapshot is about to be installed) keeps exactly the states this compile used, closes the ones
 * it replaced or dropped, and runs the actions registered with {@link #onCommit}. {@link #rollback} (the compile
 * failed) closes what it created and leaves the running state untouched, so a rejected change never stops a health
 * checker or resets a bucket that the running snapshot still uses.
 *
 * <p>Threading: used only by the config thread that compiles snapshots.
 */
public final class StateRegistry {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateRegistry.class);

    private final Map<String, Endpoint> endpoints = new HashMap<>();
    private Map<String, Entry> states = new HashMap<>();
    private Map<String, Entry> staged = new HashMap<>();
    private final List<Runnable> commitActions = new ArrayList<>();

    /** A piece of state, the spec it was built from, and whether the current compile created it. */
    private record Entry(Object spec, Object state, boolean created) {}

    /**
     * The state under {@code key} if it was built from an equal {@code spec}, else a new one from {@code create}.
     * Asking twice for one key in one compile gives the same object.
     */
    @SuppressWarnings("unchecked")
    <T> T state(String key, Object spec, Supplier<T> create) {
        final Entry again = staged.get(key);
        if (again != null && again.spec().equals(spec)) {
            return (T) again.state();
        }
        final Entry existing = states.get(key);
        if (existing != null && existing.spec().equals(spec)) {
            staged.put(key, new Entry(spec, existing.state(), false));
            return (T) existing.state();
        }
        final T created = create.get();
        staged.put(key, new Entry(spec, created, true));
        return created;
    }

    /** Runs {@code action} when this compile commits; dropped when it rolls back. */
    void onCommit(Runnable action) {
        commitActions.add(action);
    }

    /** The endpoint for {@code upstream}'s target, reusing the existing object when nothing about it changed. */
    Endpoint endpoint(String upstream, String host, int port, int weight, Set<String> usedKeys) {
        final String key = upstream + "|" + host + ":" + port + "|" + weight;
        usedKeys.add(key);
        return endpoints.computeIfAbsent(key, k -> new Endpoint(host, port, weight));
    }

    /**
     * The compile succeeded: keeps what it used, closes what it replaced or no longer uses, runs the commit actions.
     *
     * @param usedEndpointKeys the endpoint keys the compile asked for
     */
    void commit(Set<String> usedEndpointKeys) {
        endpoints.keySet().retainAll(usedEndpointKeys);
        for (final Map.Entry<String, Entry> old : states.entrySet()) {
            final Entry now = staged.get(old.getKey());
            if (now == null || now.state() != old.getValue().state()) {
                close(old.getValue().state());
            }
        }
        states = staged;
        staged = new HashMap<>();
        final List<Runnable> actions = List.copyOf(commitActions);
        commitActions.clear();
        actions.forEach(Runnable::run);
    }

    /** The compile failed: closes what it created; the running state stays as it was. */
    void rollback() {
        for (final Entry entry : staged.values()) {
            if (entry.created()) {
                close(entry.state());
            }
        }
        staged = new HashMap<>();
        commitActions.clear();
    }

    private static void close(Object state) {
        if (state instanceof AutoCloseable) {
            try {
                ((AutoCloseable) state).close();
            } catch (Exception e) {
                log.warn("closing retired state failed", e);
            }
        }
    }
}
