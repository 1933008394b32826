package dev.sluice.policy.ratelimit;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.common.Ticker;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;

/*
 * Threading: thread-safe. Lookups go through Caffeine (a hit is a lock-free read plus an access-order buffer write);
 * the decision itself is the limiter's CAS. Eviction and expiry run on the maintenance executor, or on callers when
 * Caffeine's buffers fill, never holding a lock while a caller waits on I/O.
 *
 * Invariants: at most maximumKeys limiters (plus Caffeine's transient overshoot before maintenance) are retained. A
 * key is dropped after idleHorizon without access; because LocalLimiter#idleHorizonNanos is the time after which a
 * limiter's state equals a new one's, expiry by time never changes a decision. Eviction by size can: an evicted busy
 * key restarts with a fresh quota. Caffeine's W-TinyLFU admission keeps frequently used keys over one-hit keys, so a
 * key-spraying client mostly evicts its own keys rather than real clients'.
 *
 * Memory: 158 bytes per tracked key plus the key String (about 56 more for a 17-character key) on a 64-bit JVM with
 * compressed oops, for every single-long algorithm (measured by KeyedLimitersMemoryTest): the Caffeine node with its
 * access-order links and its hash-table slot, and a 24-byte limiter (header, shared-params reference, state long).
 * The sliding log adds its live array (16 + 8 * live bytes). The cap is the operator's knob: memory is at most
 * maximumKeys * (158 + key) bytes.
 */

/**
 * Per-key limiters of one policy, bounded in number and forgotten when idle.
 *
 * <pre>{@code
 * final KeyedLimiters<LocalLimiter> limiters =
 *         KeyedLimiters.of(LimiterFactory.slidingWindow(100, Duration.ofMinutes(1)), 100_000, ticker);
 * final long outcome = limiters.tryAcquireNanos(consumerId, ticker.nanoTime());
 * }</pre>
 *
 * @param <T> the limiter type
 */
public final class KeyedLimiters<T extends LocalLimiter> {
    private final Cache<String, T> cache;
    private final Function<String, T> create;
    private final LimiterFactory<T> factory;
    private final long maximumKeys;

    private KeyedLimiters(LimiterFactory<T> factory, long maximumKeys, Ticker ticker, Executor executor) {
        this.factory = factory;
        this.maximumKeys = maximumKeys;
        // One mapping function for the life of the store, so a miss allocates no capturing lambda.
        this.create = key -> factory.newLimiter();
        // A horizon of 0 (e.g. a 1 ns window) would make Caffeine expire entries at once; 1 ns is the same intent.
        final Duration horizon = factory.idleHorizon().isZero() ? Duration.ofNanos(1) : factory.idleHorizon();
        this.cache = Caffeine.newBuilder()
                .maximumSize(maximumKeys)
                .expireAfterAccess(horizon)
                .ticker(ticker::nanoTime)
                .executor(executor)
                .build();
    }

    /**
     * Creates a store that keeps at most {@code maximumKeys} keys, each forgotten after the factory's idle horizon.
     *
     * @param ticker the clock callers read {@code nowNanos} from; Caffeine's expiry reads it too
     */
    public static <T extends LocalLimiter> KeyedLimiters<T> of(LimiterFactory<T> factory, long maximumKeys,
            Ticker ticker) {
        return of(factory, maximumKeys, ticker, ForkJoinPool.commonPool());
    }

    /** As {@link #of(LimiterFactory, long, Ticker)}, with Caffeine's maintenance on {@code executor}. */
    static <T extends LocalLimiter> KeyedLimiters<T> of(LimiterFactory<T> factory, long maximumKeys, Ticker ticker,
            Executor executor) {
        requireNonNull(factory, "factory");
        requireNonNull(ticker, "ticker");
        requireNonNull(executor, "executor");
        if (maximumKeys < 1) {
            throw new IllegalArgumentException("maximumKeys: " + maximumKeys + " (expected: >= 1)");
        }
        return new KeyedLimiters<>(factory, maximumKeys, ticker, executor);
    }

    /** Returns the limiter of {@code key}, creating it in its initial state if the key is not tracked. */
    public T limiter(String key) {
        requireNonNull(key, "key");
        return cache.get(key, create);
    }

    /** Decides one request of {@code key} at {@code nowNanos}; see {@link LocalLimiter#tryAcquire(long)}. */
    public RateLimitDecision tryAcquire(String key, long nowNanos) {
        return limiter(key).tryAcquire(nowNanos);
    }

    /** Decides one request of {@code key} without allocating on a hit; see {@link LocalLimiter#tryAcquireNanos}. */
    public long tryAcquireNanos(String key, long nowNanos) {
        return limiter(key).tryAcquireNanos(nowNanos);
    }

    /** Returns Caffeine's estimate of the number of tracked keys. */
    public long estimatedSize() {
        return cache.estimatedSize();
    }

    /** Runs pending eviction and expiry now; for tests and for the admin API's statistics. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** Returns the configured cap on tracked keys. */
    public long maximumKeys() {
        return maximumKeys;
    }

    @Override
    public String toString() {
        return "KeyedLimiters(" + factory.algorithm() + ", " + estimatedSize() + "/" + maximumKeys + " keys)";
    }
}
