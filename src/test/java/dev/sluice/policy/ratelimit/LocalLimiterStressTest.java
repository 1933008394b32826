package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.Rate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many threads hammering one key with the clock frozen: every algorithm must admit exactly its capacity, no more (a
 * lost CAS update would over-admit) and no less (a spurious failure would under-admit).
 *
 * <p>Four threads on a two-core machine still interleave: each thread's attempts outnumber the capacity, and the
 * threads are released together by a latch, so CAS failures and retries happen on every run.
 */
class LocalLimiterStressTest {
    private static final int THREADS = 4;
    private static final int ATTEMPTS_PER_THREAD = 20_000;
    /** A frozen instant in the middle of a window, away from any edge. */
    private static final long FROZEN = 1_700_000_000_500_000_000L;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void tearDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    static Stream<Arguments> limiters() {
        return Stream.of(
                Arguments.of("token bucket, burst 1000", LimiterFactory.tokenBucket(Rate.perSecond(10), 1_000), 1_000),
                Arguments.of("leaky bucket, burst 999", LimiterFactory.leakyBucket(Rate.perSecond(10), 999, 0), 1_000),
                Arguments.of("leaky bucket nodelay", LimiterFactory.leakyBucketNodelay(Rate.perSecond(10), 999), 1_000),
                Arguments.of("fixed window", LimiterFactory.fixedWindow(1_000, Duration.ofSeconds(1)), 1_000),
                Arguments.of("sliding window", LimiterFactory.slidingWindow(1_000, Duration.ofSeconds(1)), 1_000),
                Arguments.of("sliding log", LimiterFactory.slidingLog(1_000, Duration.ofSeconds(1)), 1_000),
                Arguments.of("concurrency", LimiterFactory.concurrency(1_000, Duration.ofMinutes(1)), 1_000));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limiters")
    void tryAcquire_manyThreadsFrozenClock_admitsExactlyCapacity(String name, LimiterFactory<?> factory,
            long capacity) throws Exception {
        final LocalLimiter limiter = factory.newLimiter();

        final long admitted = hammer(() -> RateLimitDecision.isAllowed(limiter.tryAcquireNanos(FROZEN)) ? 1 : 0);

        assertThat(admitted).isEqualTo(capacity);
    }

    @Test
    void concurrency_manyThreadsAcquireAndRelease_neverAboveLimitAndEndsAtZero() throws Exception {
        final ConcurrencyLimiter limiter = LimiterFactory.concurrency(3, Duration.ofMinutes(1)).newLimiter();
        final AtomicLong maxSeen = new AtomicLong();

        hammer(() -> {
            if (!limiter.tryAcquire()) {
                return 0;
            }
            maxSeen.accumulateAndGet(limiter.inFlight(), Math::max);
            assertThat(limiter.release()).isTrue();
            return 1;
        });

        assertThat(maxSeen.get()).isBetween(1L, 3L);
        assertThat(limiter.inFlight()).isZero();
    }

    private long hammer(LongSupplier attempt) throws Exception {
        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            results.add(pool.submit(() -> {
                start.await();
                long sum = 0;
                for (int i = 0; i < ATTEMPTS_PER_THREAD; i++) {
                    sum += attempt.getAsLong();
                }
                return sum;
            }));
        }
        start.countDown();
        long total = 0;
        for (final Future<Long> result : results) {
            total += result.get(60, TimeUnit.SECONDS);
        }
        return total;
    }
}
