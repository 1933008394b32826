package dev.sluice.upstream.health;

import java.util.concurrent.TimeUnit;

/** Formats a duration for health reasons: {@code 10s}, {@code 150ms}, {@code 250us}. */
final class DurationText {
    private DurationText() {
    }

    static String of(long nanos) {
        if (nanos % TimeUnit.SECONDS.toNanos(1) == 0) {
            return TimeUnit.NANOSECONDS.toSeconds(nanos) + "s";
        }
        if (nanos % TimeUnit.MILLISECONDS.toNanos(1) == 0) {
            return TimeUnit.NANOSECONDS.toMillis(nanos) + "ms";
        }
        return TimeUnit.NANOSECONDS.toMicros(nanos) + "us";
    }
}
