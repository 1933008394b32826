package dev.sluice.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A number of permits per period, written in configuration as {@code 100/s}, {@code 1000/m} or {@code 5000/h}.
 *
 * <p>Kept as the pair the operator wrote rather than a per-second double, so {@code 1/h} stays exact and limiters
 * can choose their own arithmetic (refill per nanosecond, window length).
 *
 * @param permits how many requests are allowed per {@code period}, at least 1
 * @param period  the window the permits apply to: one second, minute or hour
 */
public record Rate(long permits, Duration period) {
    public Rate {
        if (permits < 1) {
            throw new IllegalArgumentException("permits: " + permits + " (expected: >= 1)");
        }
        Objects.requireNonNull(period, "period");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period: " + period + " (expected: > 0)");
        }
    }

    /** {@code permits} per second. */
    public static Rate perSecond(long permits) {
        return new Rate(permits, Duration.ofSeconds(1));
    }

    /**
     * Parses {@code <permits>/<unit>} where unit is {@code s}, {@code m} or {@code h} (case-insensitive).
     *
     * @throws IllegalArgumentException with a message naming the value and the expected syntax
     */
    public static Rate parse(String text) {
        Objects.requireNonNull(text, "text");
        final String trimmed = text.trim();
        final int slash = trimmed.indexOf('/');
        if (slash <= 0 || slash == trimmed.length() - 1) {
            throw new IllegalArgumentException(malformed(text));
        }
        final String count = trimmed.substring(0, slash).trim();
        final String unit = trimmed.substring(slash + 1).trim().toLowerCase(Locale.ROOT);
        final Duration period;
        switch (unit) {
            case "s":
            case "sec":
            case "second":
                period = Duration.ofSeconds(1);
                break;
            case "m":
            case "min":
            case "minute":
                period = Duration.ofMinutes(1);
                break;
            case "h":
            case "hour":
                period = Duration.ofHours(1);
                break;
            default:
                throw new IllegalArgumentException(malformed(text));
        }
        if (count.isEmpty() || !count.chars().allMatch(c -> c >= '0' && c <= '9') || count.length() > 18) {
            throw new IllegalArgumentException(malformed(text));
        }
        final long permits = Long.parseLong(count);
        if (permits < 1) {
            throw new IllegalArgumentException("\"" + text + "\" allows no requests (expected at least 1 per period)");
        }
        return new Rate(permits, period);
    }

    /** Permits per second as a double, for token-bucket refill arithmetic. */
    public double permitsPerSecond() {
        return permits * 1_000_000_000.0 / period.toNanos();
    }

    @Override
    public String toString() {
        final String unit = period.equals(Duration.ofSeconds(1)) ? "s" : period.equals(Duration.ofMinutes(1)) ? "m"
                : period.equals(Duration.ofHours(1)) ? "h" : period.toString();
        return permits + "/" + unit;
    }

    private static String malformed(String text) {
        return "\"" + text + "\" is not a rate (expected a rate like 100/s, 1000/m, 5000/h)";
    }
}
