package dev.sluice.config;

import java.util.Locale;
import java.util.Objects;

/**
 * A size in bytes, written in configuration as {@code 512}, {@code 64kb}, {@code 10mb} or {@code 1gb}
 * (binary multiples: 1kb = 1024 bytes; {@code k}, {@code m}, {@code g} and {@code b} work too, in any case).
 */
public record DataSize(long bytes) {
    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
    }

    /** A size of exactly {@code bytes}. */
    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    /** A size of {@code kibibytes} * 1024 bytes. */
    public static DataSize ofKibibytes(long kibibytes) {
        return new DataSize(Math.multiplyExact(kibibytes, 1024L));
    }

    /** A size of {@code mebibytes} * 1024 * 1024 bytes. */
    public static DataSize ofMebibytes(long mebibytes) {
        return new DataSize(Math.multiplyExact(mebibytes, 1024L * 1024));
    }

    /**
     * Parses a whole number of bytes with an optional unit: {@code 512}, {@code 64kb}, {@code 10MB}, {@code 1g}.
     *
     * @throws IllegalArgumentException with a message naming the value and the expected syntax
     */
    public static DataSize parse(String text) {
        Objects.requireNonNull(text, "text");
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < s.length() && s.charAt(end) >= '0' && s.charAt(end) <= '9') {
            end++;
        }
        // 18 digits always fit a long; longer numbers are rejected here instead of overflowing below.
        if (end == 0 || end > 18) {
            throw new IllegalArgumentException(malformed(text));
        }
        final long number = Long.parseLong(s.substring(0, end));
        final String unit = s.substring(end).trim();
        final long multiplier;
        switch (unit) {
            case "":
            case "b":
                multiplier = 1;
                break;
            case "k":
            case "kb":
            case "kib":
                multiplier = 1L << 10;
                break;
            case "m":
            case "mb":
            case "mib":
                multiplier = 1L << 20;
                break;
            case "g":
            case "gb":
            case "gib":
                multiplier = 1L << 30;
                break;
            default:
                throw new IllegalArgumentException(malformed(text));
        }
        try {
            return new DataSize(Math.multiplyExact(number, multiplier));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large (expected at most " + Long.MAX_VALUE
                    + " bytes)", e);
        }
    }

    @Override
    public String toString() {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "gb";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "mb";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + "kb";
        }
        return Long.toString(bytes);
    }

    private static String malformed(String text) {
        return "\"" + text + "\" is not a size (expected a size like 512, 64kb, 10mb, 1gb)";
    }
}
