package dev.sluice.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A compile is a transaction over live state: kept on equal specs, closed only when a commit drops it. */
class StateRegistryTest {
    private static final class Closeable implements AutoCloseable {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    private final StateRegistry registry = new StateRegistry();

    @Test
    void state_equalSpecAfterCommit_isTheSameObject() {
        final Closeable first = registry.state("k", "spec", Closeable::new);
        registry.commit(Set.of());
        assertThat(registry.state("k", "spec", Closeable::new)).isSameAs(first);
        registry.commit(Set.of());
        assertThat(first.closed).isFalse();
    }

    @Test
    void state_changedSpec_replacedAndOldClosedAtCommit() {
        final Closeable first = registry.state("k", "v1", Closeable::new);
        registry.commit(Set.of());
        final Closeable second = registry.state("k", "v2", Closeable::new);
        assertThat(second).isNotSameAs(first);
        assertThat(first.closed).as("still used by the running snapshot until the commit").isFalse();
        registry.commit(Set.of());
        assertThat(first.closed).isTrue();
        assertThat(second.closed).isFalse();
    }

    @Test
    void rollback_closesWhatTheFailedCompileCreatedAndKeepsTheRunningState() {
        final Closeable running = registry.state("k", "v1", Closeable::new);
        registry.commit(Set.of());
        final Closeable rejected = registry.state("k", "v2", Closeable::new);
        final Closeable fresh = registry.state("new", "x", Closeable::new);
        registry.rollback();
        assertThat(rejected.closed).isTrue();
        assertThat(fresh.closed).isTrue();
        assertThat(running.closed).isFalse();
        assertThat(registry.state("k", "v1", Closeable::new)).isSameAs(running);
    }

    @Test
    void commit_unusedState_isClosed() {
        final Closeable dropped = registry.state("gone", "x", Closeable::new);
        registry.commit(Set.of());
        registry.commit(Set.of());
        assertThat(dropped.closed).isTrue();
    }

    @Test
    void onCommit_runsOnlyWhenTheCompileCommits() {
        final List<String> ran = new java.util.ArrayList<>();
        registry.onCommit(() -> ran.add("rolled back"));
        registry.rollback();
        registry.onCommit(() -> ran.add("committed"));
        registry.commit(Set.of());
        assertThat(ran).containsExactly("committed");
    }
}
