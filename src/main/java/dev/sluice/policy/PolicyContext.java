package dev.sluice.policy;

import java.util.function.Supplier;

/** What a {@link PolicyFactory} gets from the snapshot compiler besides the spec. */
public interface PolicyContext {
    /** The id of the route the policy belongs to. */
    String routeId();

    /**
     * Live state that survives reloads: the object stored under {@code key} when the previous snapshot used
     * the same key with an equal {@code spec}, otherwise a new one from {@code create}. State no snapshot uses any
     * more is dropped (and closed when it is {@link AutoCloseable}).
     *
     * @param key  a stable id, e.g. {@code routeId/policyName}
     * @param spec the configuration the state was built from; a different spec gets fresh state
     */
    <T> T state(String key, Object spec, Supplier<T> create);

    /** Shared services of the gateway (cluster client, clock); the same object for every policy. */
    PolicyServices services();
}
