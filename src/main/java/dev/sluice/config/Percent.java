package dev.sluice.config;

import java.math.BigDecimal;

/**
 * A share written {@code 50%} (or a bare number of percent, {@code 50}), kept as a fraction: {@code 50%} is 0.5.
 *
 * <p>Range checks (most keys accept 0..100%) belong to the validator, which knows what each key allows.
 *
 * @param fraction the share, 1.0 for 100%
 */
public record Percent(double fraction) {
    public static final Percent ZERO = new Percent(0);

    /** A percentage from its number of percent: {@code of(20)} is 20%. */
    public static Percent of(double percent) {
        return new Percent(percent / 100.0);
    }

    /**
     * Parses {@code 50%}, {@code 12.5%} or a bare {@code 50}.
     *
     * @throws IllegalArgumentException naming the value and the expected form
     */
    public static Percent parse(String text) {
        final String s = text.trim();
        final String number = s.endsWith("%") ? s.substring(0, s.length() - 1).trim() : s;
        try {
            final BigDecimal value = new BigDecimal(number);
            return new Percent(value.doubleValue() / 100.0);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a percentage (expected e.g. 50% or 12.5%)");
        }
    }

    /** The number of percent, 50.0 for 50%. */
    public double percent() {
        return fraction * 100.0;
    }

    @Override
    public String toString() {
        final double p = percent();
        return (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p)) + "%";
    }
}
