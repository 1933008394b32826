package dev.sluice.upstream.health;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on a {@link FakeTicker}: a task runs, on the test thread, only when
 * {@link #advance} moves the ticker to or past its due time. Only one-shot {@code schedule(Runnable, ...)} is
 * supported, which is all the health package uses.
 *
 * <p>Thread-safe for scheduling (a stress test's threads may schedule readmissions); tasks run in the caller of
 * {@link #advance}.
 */
final class FakeScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final FakeTicker ticker;
    private final List<Task> tasks = new ArrayList<>();
    private long sequence;

    FakeScheduler(FakeTicker ticker) {
        this.ticker = ticker;
    }

    /** Moves the ticker forward by {@code duration}, running each task that falls due, in due order. */
    void advance(Duration duration) {
        final long target = ticker.nanoTime() + duration.toNanos();
        for (;;) {
            final Task task;
            synchronized (this) {
                task = tasks.stream()
                        .filter(t -> t.dueNanos - target <= 0)
                        .min(Comparator.comparingLong((Task t) -> t.dueNanos).thenComparingLong(t -> t.sequence))
                        .orElse(null);
                if (task != null) {
                    tasks.remove(task);
                }
            }
            if (task == null) {
                break;
            }
            if (task.dueNanos - ticker.nanoTime() > 0) {
                ticker.advance(Duration.ofNanos(task.dueNanos - ticker.nanoTime()));
            }
            task.command.run();
        }
        ticker.advance(Duration.ofNanos(target - ticker.nanoTime()));
    }

    /** Returns the number of tasks waiting. */
    synchronized int pending() {
        return tasks.size();
    }

    @Override
    public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        final Task task = new Task(command, ticker.nanoTime() + unit.toNanos(delay), sequence++);
        tasks.add(task);
        return task;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
            TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Runnable> shutdownNow() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    private final class Task implements ScheduledFuture<Void> {
        final Runnable command;
        final long dueNanos;
        final long sequence;
        private volatile boolean cancelled;

        Task(Runnable command, long dueNanos, long sequence) {
            this.command = command;
            this.dueNanos = dueNanos;
            this.sequence = sequence;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - ticker.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (FakeScheduler.this) {
                cancelled = tasks.remove(this);
                return cancelled;
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            synchronized (FakeScheduler.this) {
                return !tasks.contains(this);
            }
        }

        @Override
        public Void get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Void get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }
}
