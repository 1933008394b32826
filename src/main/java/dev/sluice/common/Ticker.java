package dev.sluice.common;

import java.time.Instant;

/**
 * A source of nanosecond timestamps, injected wherever code reads the time so tests can control it.
 *
 * <p>{@link #system()} is monotonic <em>and</em> anchored to the Unix epoch: it reads the wall clock once, when this
 * interface is first used, and advances by {@link System#nanoTime()} from then on. Monotonic, because a limiter must
 * never see time go backwards (an NTP step would otherwise refill a bucket twice); epoch-anchored, because fixed and
 * sliding windows are aligned to multiples of their length since the epoch, so that every gateway instance (and the
 * Redis scripts) agree on where a window starts, to within the instances' clock skew at startup.
 *
 * <pre>{@code
 * final Ticker ticker = Ticker.system();
 * final RateLimitDecision d = limiter.tryAcquire(ticker.nanoTime());
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {
    /** Returns the current time in nanoseconds; only differences between readings of one ticker are meaningful. */
    long nanoTime();

    /** Returns the process-wide monotonic ticker whose readings are nanoseconds since the Unix epoch. */
    static Ticker system() {
        return EpochAnchored.INSTANCE;
    }

    /** The {@link #system()} ticker; an implementation detail, public only because interface members must be. */
    final class EpochAnchored implements Ticker {
        static final EpochAnchored INSTANCE = new EpochAnchored();

        private final long offsetNanos;

        private EpochAnchored() {
            final Instant wall = Instant.now();
            final long epochNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
            this.offsetNanos = epochNanos - System.nanoTime();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime() + offsetNanos;
        }

        @Override
        public String toString() {
            return "Ticker.system()";
        }
    }
}
