package dev.sluice.runtime;

import java.util.Objects;

/**
 * Holds the snapshot in force. Requests read it once at their start with {@link #current()}; the config thread
 * replaces it with {@link #swap} — one volatile write, so readers never see a half-applied change.
 */
public final class SnapshotHolder {
    private volatile RuntimeSnapshot current;

    public SnapshotHolder(RuntimeSnapshot initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    public RuntimeSnapshot current() {
        return current;
    }

    /** Installs {@code next} and returns the snapshot it replaced. */
    public RuntimeSnapshot swap(RuntimeSnapshot next) {
        final RuntimeSnapshot previous = current;
        current = Objects.requireNonNull(next, "next");
        return previous;
    }
}
