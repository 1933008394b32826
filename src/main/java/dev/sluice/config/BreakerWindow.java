package dev.sluice.config;

import java.time.Duration;

/**
 * The sliding window a circuit breaker judges by: the last N calls ({@code window: 20}) or the last stretch of
 * time ({@code window: 10s}).
 *
 * @param calls    the window's size in calls, or 0 for a time window
 * @param duration the window's length, or {@code null} for a count window
 */
public record BreakerWindow(int calls, Duration duration) {
    public static final BreakerWindow DEFAULT = new BreakerWindow(0, Duration.ofSeconds(10));

    public boolean isTimeBased() {
        return duration != null;
    }

    /** Parses {@code 20} (calls) or {@code 10s} (a duration). */
    public static BreakerWindow parse(String text) {
        final String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            return ofCalls(s);
        }
        try {
            return new BreakerWindow(0, ConfigScalars.parseDuration(s));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a window (expected a number of calls like 20"
                    + " or a duration like 10s)");
        }
    }

    static BreakerWindow ofCalls(String digits) {
        try {
            return new BreakerWindow(Integer.parseInt(digits), null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(digits + " calls is out of range (expected at most 100000)");
        }
    }

    @Override
    public String toString() {
        return isTimeBased() ? duration.toString() : calls + " calls";
    }
}
