package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.Rate;
import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link KeyedLimiters}: per-key isolation, idle expiry and the size cap. */
class KeyedLimitersTest {
    private final FakeTicker ticker = new FakeTicker(1_000_000_000L);

    @Test
    void tryAcquire_sameKey_sharesOneLimiter() {
        final KeyedLimiters<LocalLimiter> limiters = sameThread(LimiterFactory.fixedWindow(2, Duration.ofSeconds(1)),
                10);

        assertThat(limiters.tryAcquire("alice", ticker.nanoTime()).allowed()).isTrue();
        assertThat(limiters.tryAcquire("alice", ticker.nanoTime()).allowed()).isTrue();
        assertThat(limiters.tryAcquire("alice", ticker.nanoTime()).allowed()).isFalse();
        assertThat(limiters.tryAcquire("bob", ticker.nanoTime()).allowed()).isTrue();
    }

    @Test
    void cleanUp_keyIdleLongerThanHorizon_isForgottenWithoutChangingDecisions() {
        final KeyedLimiters<LocalLimiter> limiters =
                sameThread(LimiterFactory.tokenBucket(Rate.perSecond(10), 5), 10);
        for (int i = 0; i < 5; i++) {
            limiters.tryAcquireNanos("alice", ticker.nanoTime());
        }

        ticker.advance(Duration.ofMillis(500));
        limiters.cleanUp();

        assertThat(limiters.estimatedSize()).isZero();
        // 500 ms refills the whole bucket of 5 at 10/s, so the new limiter decides exactly as the old one would.
        assertThat(limiters.tryAcquire("alice", ticker.nanoTime()).remaining()).isEqualTo(4);
    }

    @Test
    void cleanUp_keyAccessedWithinHorizon_isKept() {
        final KeyedLimiters<LocalLimiter> limiters =
                sameThread(LimiterFactory.tokenBucket(Rate.perSecond(10), 5), 10);
        limiters.tryAcquireNanos("alice", ticker.nanoTime());

        ticker.advance(Duration.ofMillis(499));
        limiters.cleanUp();

        assertThat(limiters.estimatedSize()).isEqualTo(1);
    }

    @Test
    void tryAcquire_millionDistinctKeys_sizeStaysWithinCap() {
        final long cap = 100_000;
        final KeyedLimiters<LocalLimiter> limiters =
                sameThread(LimiterFactory.slidingWindow(100, Duration.ofMinutes(1)), cap);
        final long heapBefore = KeyedLimitersMemoryTest.usedHeapAfterGc();

        for (int i = 0; i < 1_000_000; i++) {
            limiters.tryAcquireNanos("spray-" + i, ticker.nanoTime());
        }
        limiters.cleanUp();
        final long heapGrowth = KeyedLimitersMemoryTest.usedHeapAfterGc() - heapBefore;

        assertThat(limiters.estimatedSize()).isLessThanOrEqualTo(cap);
        // The cap bounds memory: 100k keys at ~200 B each, with 2x slack for GC measurement noise.
        assertThat(heapGrowth).isLessThan(cap * 400);
    }

    private KeyedLimiters<LocalLimiter> sameThread(LimiterFactory<LocalLimiter> factory, long cap) {
        return KeyedLimiters.of(factory, cap, ticker, Runnable::run);
    }
}
