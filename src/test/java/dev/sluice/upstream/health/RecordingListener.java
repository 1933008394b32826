package dev.sluice.upstream.health;

import dev.sluice.upstream.Endpoint;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/** A {@link HealthListener} that keeps every change it is told of, with a test-chosen figure read at that moment. */
final class RecordingListener implements HealthListener {
    /**
     * One change.
     *
     * @param mark the figure the test asked to read when the change was reported (e.g. probes made so far)
     */
    record Change(Endpoint endpoint, boolean healthy, String reason, int mark) {
    }

    private final List<Change> changes = new CopyOnWriteArrayList<>();
    private final IntSupplier mark;

    RecordingListener() {
        this(() -> 0);
    }

    RecordingListener(IntSupplier mark) {
        this.mark = mark;
    }

    @Override
    public void onHealthChanged(Endpoint endpoint, boolean healthy, String reason) {
        changes.add(new Change(endpoint, healthy, reason, mark.getAsInt()));
    }

    List<Change> changes() {
        return List.copyOf(changes);
    }

    /** Returns {@code healthy} of every change, in order. */
    List<Boolean> verdicts() {
        return changes.stream().map(Change::healthy).toList();
    }
}
