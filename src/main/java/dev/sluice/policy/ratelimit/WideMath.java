package dev.sluice.policy.ratelimit;

import java.math.BigInteger;

/** Exact 128-bit intermediate arithmetic for the window estimators, where {@code count * nanos} can exceed 2^63. */
final class WideMath {
    private WideMath() {
    }

    /** Returns floor(a * b / c) for a, b >= 0 and c > 0, exact even when a * b overflows a long. */
    static long mulDivFloor(long a, long b, long c) {
        assert a >= 0 && b >= 0 && c > 0 : a + " " + b + " " + c;
        if (Math.multiplyHigh(a, b) == 0) {
            final long product = a * b;
            if (product >= 0) {
                return product / c;
            }
        }
        // Slow path only for products >= 2^63: e.g. a million permits times an hour in nanoseconds.
        return BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divide(BigInteger.valueOf(c)).longValueExact();
    }

    /** Returns ceil(a * b / c) for a, b >= 0 and c > 0, exact even when a * b overflows a long. */
    static long mulDivCeil(long a, long b, long c) {
        assert a >= 0 && b >= 0 && c > 0 : a + " " + b + " " + c;
        if (Math.multiplyHigh(a, b) == 0) {
            final long product = a * b;
            if (product >= 0) {
                return product / c + (product % c == 0 ? 0 : 1);
            }
        }
        final BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b))
                .divideAndRemainder(BigInteger.valueOf(c));
        return qr[0].longValueExact() + (qr[1].signum() == 0 ? 0 : 1);
    }

    /** Returns the number of bits needed to hold every value in [0, max]. */
    static int bitsFor(long max) {
        assert max >= 0 : max;
        return Math.max(1, 64 - Long.numberOfLeadingZeros(max));
    }
}
