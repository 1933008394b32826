package dev.sluice.config;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * A set of HTTP status codes written as codes, ranges and classes: {@code [500, 502-504, 4xx]}.
 *
 * <p>Immutable; {@link #contains} is a bit test, cheap enough for every response.
 */
public final class StatusSet {
    public static final StatusSet NONE = new StatusSet(new BitSet(), "[]");

    private final BitSet codes;
    private final String text;

    private StatusSet(BitSet codes, String text) {
        this.codes = codes;
        this.text = text;
    }

    /**
     * Parses a list of tokens, each {@code 503}, {@code 500-504} or {@code 5xx}.
     *
     * @throws IllegalArgumentException for the first token that is none of those, naming it
     */
    public static StatusSet parse(List<String> tokens) {
        final BitSet codes = new BitSet(600);
        for (final String token : tokens) {
            add(codes, token);
        }
        return new StatusSet(codes, tokens.toString());
    }

    /** Parses one token, e.g. to check it; see {@link #parse(List)}. */
    public static StatusSet parse(String token) {
        return parse(List.of(token));
    }

    /** True when {@code token} is a status token (not e.g. an outcome name). */
    public static boolean isStatusToken(String token) {
        try {
            add(new BitSet(600), token);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void add(BitSet codes, String token) {
        final String t = token.trim().toLowerCase(Locale.ROOT);
        if (t.length() == 3 && t.endsWith("xx") && t.charAt(0) >= '1' && t.charAt(0) <= '5') {
            final int base = (t.charAt(0) - '0') * 100;
            codes.set(base, base + 100);
            return;
        }
        final int dash = t.indexOf('-');
        if (dash > 0) {
            final int from = code(t.substring(0, dash), token);
            final int to = code(t.substring(dash + 1), token);
            if (to < from) {
                throw new IllegalArgumentException("\"" + token + "\" is an empty range (expected low-high)");
            }
            codes.set(from, to + 1);
            return;
        }
        codes.set(code(t, token));
    }

    private static int code(String digits, String token) {
        final String expected = " (expected a status like 503, a range like 500-504 or a class like 5xx)";
        if (digits.length() != 3 || !digits.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("\"" + token + "\" is not a status" + expected);
        }
        final int code = Integer.parseInt(digits);
        if (code < 100 || code > 599) {
            throw new IllegalArgumentException("\"" + token + "\" is not a status" + expected);
        }
        return code;
    }

    public boolean contains(int status) {
        return status >= 0 && codes.get(status);
    }

    public boolean isEmpty() {
        return codes.isEmpty();
    }

    /** The codes in the set, ascending. */
    public List<Integer> codes() {
        final List<Integer> list = new ArrayList<>(codes.cardinality());
        codes.stream().forEach(list::add);
        return list;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusSet && ((StatusSet) o).codes.equals(codes);
    }

    @Override
    public int hashCode() {
        return codes.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
