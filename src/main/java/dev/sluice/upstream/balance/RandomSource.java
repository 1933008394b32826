package dev.sluice.upstream.balance;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * A source of uniformly distributed random integers for balancers, injected so tests can be deterministic.
 *
 * <p>Why not take a {@link RandomGenerator} directly: the production source, {@link ThreadLocalRandom}, must be
 * fetched with {@code current()} on every call from the calling thread, so a stored generator cannot be it. This
 * one-method interface lets production use {@link #threadLocal()} and tests pass a seeded generator or a lambda.
 *
 * <pre>{@code
 * LoadBalancers.create(kind, hashOn, endpoints, RandomSource.threadLocal());        // production
 * LoadBalancers.create(kind, hashOn, endpoints, RandomSource.of(new SplittableRandom(42)));  // test
 * }</pre>
 *
 * <p>Threading: {@link #nextInt} is called concurrently from every event loop; implementations must be safe for that.
 */
@FunctionalInterface
public interface RandomSource {
    /**
     * Returns the thread-safe production source backed by {@link ThreadLocalRandom}.
     */
    static RandomSource threadLocal() {
        return bound -> ThreadLocalRandom.current().nextInt(bound);
    }

    /**
     * Wraps a generator. The result is only as thread-safe as {@code generator}: a seeded {@code SplittableRandom}
     * suits single-threaded tests; use {@link java.util.Random} (synchronised) or {@link #threadLocal()} when picks
     * run on several threads.
     */
    static RandomSource of(RandomGenerator generator) {
        Objects.requireNonNull(generator, "generator");
        return generator::nextInt;
    }

    /**
     * Returns a uniformly distributed value in {@code [0, bound)}.
     *
     * @param bound exclusive upper bound, at least 1
     */
    int nextInt(int bound);
}
