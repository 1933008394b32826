package dev.sluice.testing;

import dev.sluice.common.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that moves only when a test says so. */
public final class FakeTicker implements Ticker {
    private final AtomicLong nanos;

    public FakeTicker() {
        this(0);
    }

    public FakeTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves the time forward by {@code duration} and returns the new reading. */
    public long advance(Duration duration) {
        return nanos.addAndGet(duration.toNanos());
    }

    /** Moves the time forward by {@code millis} milliseconds and returns the new reading. */
    public long advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }
}
