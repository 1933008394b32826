package dev.sluice.policy.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.Rate;
import dev.sluice.testing.FakeTicker;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Measures the retained heap per tracked key: fill a store with N keys, force GC, and divide the heap delta by N.
 *
 * <p>A JOL-free estimate: with N = 200,000 the per-key figure is stable to a few bytes across runs, and the assertion
 * range is wide enough for JDK and GC differences. The figures go to stdout and to docs/rate-limiting.md.
 */
class KeyedLimitersMemoryTest {
    private static final int KEYS = 200_000;

    static Stream<Arguments> factories() {
        return Stream.of(
                Arguments.of("token_bucket", LimiterFactory.tokenBucket(Rate.perSecond(100), 50)),
                Arguments.of("leaky_bucket", LimiterFactory.leakyBucket(Rate.perSecond(100), 50, 0)),
                Arguments.of("fixed_window", LimiterFactory.fixedWindow(100, Duration.ofMinutes(1))),
                Arguments.of("sliding_window", LimiterFactory.slidingWindow(100, Duration.ofMinutes(1))),
                Arguments.of("sliding_log(10 live)", LimiterFactory.slidingLog(10, Duration.ofMinutes(1))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("factories")
    void heapPerKey_shortKeys_isAFewHundredBytes(String name, LimiterFactory<LocalLimiter> factory) {
        final FakeTicker ticker = new FakeTicker(1_000_000_000L);
        final String[] keys = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            // Typical consumer or IP key length; the strings exist before the baseline so only the store is counted.
            keys[i] = "consumer-" + (10_000_000 + i);
        }
        final long before = usedHeapAfterGc();
        final KeyedLimiters<LocalLimiter> limiters = KeyedLimiters.of(factory, 2L * KEYS, ticker, Runnable::run);
        for (final String key : keys) {
            for (int r = 0; r < 10; r++) {
                limiters.tryAcquireNanos(key, ticker.nanoTime());
            }
        }
        limiters.cleanUp();

        final long perKey = (usedHeapAfterGc() - before) / KEYS;
        System.out.printf("heap per tracked key, %s: %d bytes (excluding the key string)%n", name, perKey);

        assertThat(limiters.estimatedSize()).isEqualTo(KEYS);
        assertThat(perKey).isBetween(40L, 400L);
        assertThat(keys).hasSize(KEYS);
    }

    /** Returns the used heap after repeated full GCs, the closest to "live bytes" without an agent. */
    static long usedHeapAfterGc() {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
