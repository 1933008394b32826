package dev.sluice.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * Parsers for the scalar syntaxes of configuration that have no type of their own, today durations.
 *
 * <p>Policy factories use these too, so a duration means the same thing in every part of the file.
 */
public final class ConfigScalars {
    /** The hint every duration error ends with, so operators see the syntax at the point of failure. */
    static final String DURATION_HINT = "expected a duration like 250ms, 5s, 1m";

    private static final BigDecimal NANOS_PER_MS = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal NANOS_PER_S = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal NANOS_PER_M = NANOS_PER_S.multiply(BigDecimal.valueOf(60));
    private static final BigDecimal NANOS_PER_H = NANOS_PER_M.multiply(BigDecimal.valueOf(60));
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    private ConfigScalars() {
    }

    /**
     * Parses a duration: one or more {@code <number><unit>} parts with units {@code ms}, {@code s}, {@code m},
     * {@code h}; a number may have a fraction. Examples: {@code 250ms}, {@code 5s}, {@code 1.5s}, {@code 1m30s}.
     *
     * <p>A bare number is rejected rather than read as seconds or milliseconds: both readings are common (nginx vs.
     * Envoy) and guessing wrong silently is worse than asking for a unit.
     *
     * @throws IllegalArgumentException with a message naming the value and the expected syntax
     */
    public static Duration parseDuration(String text) {
        Objects.requireNonNull(text, "text");
        final String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration (" + DURATION_HINT + ")");
        }
        if (s.startsWith("-")) {
            throw new IllegalArgumentException("\"" + text + "\" is negative (" + DURATION_HINT + ")");
        }
        BigDecimal nanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            final int numberStart = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) && s.charAt(i) < 128 || s.charAt(i) == '.')) {
                i++;
            }
            final String number = s.substring(numberStart, i);
            final int unitStart = i;
            while (i < s.length() && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') {
                i++;
            }
            final String unit = s.substring(unitStart, i);
            if (number.isEmpty() || number.length() > 30 || number.startsWith(".") || number.endsWith(".")
                    || number.indexOf('.') != number.lastIndexOf('.')) {
                throw new IllegalArgumentException("\"" + text + "\" is not a duration (" + DURATION_HINT + ")");
            }
            final BigDecimal unitNanos;
            switch (unit) {
                case "ms":
                    unitNanos = NANOS_PER_MS;
                    break;
                case "s":
                    unitNanos = NANOS_PER_S;
                    break;
                case "m":
                    unitNanos = NANOS_PER_M;
                    break;
                case "h":
                    unitNanos = NANOS_PER_H;
                    break;
                case "":
                    throw new IllegalArgumentException("\"" + text + "\" has no unit (" + DURATION_HINT + ")");
                default:
                    throw new IllegalArgumentException("\"" + text + "\" has unknown unit \"" + unit + "\" ("
                            + DURATION_HINT + ")");
            }
            nanos = nanos.add(new BigDecimal(number).multiply(unitNanos));
            if (nanos.compareTo(MAX_NANOS) > 0) {
                throw new IllegalArgumentException("\"" + text + "\" is too long (expected at most 2562047h)");
            }
        }
        if (nanos.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is finer than a nanosecond (" + DURATION_HINT + ")");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    /** Formats a duration in the same syntax {@link #parseDuration} reads, e.g. {@code 1m30s} or {@code 250ms}. */
    public static String formatDuration(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isZero()) {
            return "0s";
        }
        final long nanos = duration.toNanos();
        if (nanos % 1_000_000L != 0) {
            return new BigDecimal(nanos).divide(NANOS_PER_MS).stripTrailingZeros().toPlainString() + "ms";
        }
        final StringBuilder out = new StringBuilder();
        long rest = nanos / 1_000_000L;
        final long hours = rest / 3_600_000L;
        rest %= 3_600_000L;
        final long minutes = rest / 60_000L;
        rest %= 60_000L;
        final long seconds = rest / 1000L;
        final long millis = rest % 1000L;
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0) {
            out.append(seconds).append('s');
        }
        if (millis > 0) {
            out.append(millis).append("ms");
        }
        return out.toString();
    }
}
