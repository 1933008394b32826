package dev.sluice.policy.ratelimit;

import dev.sluice.common.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A {@link Ticker} that moves only when a test says so. */
final class FakeTicker implements Ticker {
    private final AtomicLong nanos;

    FakeTicker() {
        this(0);
    }

    FakeTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    @Override
    public long nanoTime() {
        return nanos.get();
    }

    /** Moves the time forward by {@code duration} and returns the new reading. */
    long advance(Duration duration) {
        return nanos.addAndGet(duration.toNanos());
    }

    /** Moves the time forward by {@code millis} milliseconds and returns the new reading. */
    long advanceMillis(long millis) {
        return advance(Duration.ofMillis(millis));
    }
}
