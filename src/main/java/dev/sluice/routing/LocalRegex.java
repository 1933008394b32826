package dev.sluice.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A compiled regular expression with one reusable {@link Matcher} per thread, so that matching allocates nothing
 * after a thread's first use.
 *
 * <p>Threading: safe from any thread; each thread (in practice each event loop) owns its matcher. The matcher is
 * reset to the empty string after use so it never keeps a request's text alive.
 */
final class LocalRegex {

    private final Pattern pattern;
    private final ThreadLocal<Matcher> matchers;

    LocalRegex(final Pattern pattern) {
        this.pattern = pattern;
        this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
    }

    /** Returns whether the whole input matches. */
    boolean matches(final CharSequence input) {
        final Matcher m = matchers.get();
        final boolean result = m.reset(input).matches();
        m.reset("");
        return result;
    }

    /**
     * Matches the whole input and returns the values of the named groups that participated, as pairs in
     * {@code names} order ({@code out} gets name, value, name, value...); returns false on no match.
     */
    boolean capture(final CharSequence input, final List<String> names, final List<String> out) {
        final Matcher m = matchers.get();
        try {
            if (!m.reset(input).matches()) {
                return false;
            }
            for (final String name : names) {
                final String value = m.group(name);
                if (value != null) {
                    out.add(name);
                    out.add(value);
                }
            }
            return true;
        } finally {
            m.reset("");
        }
    }

    Pattern pattern() {
        return pattern;
    }

    /**
     * Returns the named groups of a regex in order of appearance. Java 17 has no {@code Pattern.namedGroups()}
     * (added in Java 20), so this scans the source, skipping escapes, {@code \Q...\E} quotes and character classes.
     */
    static List<String> namedGroups(final String regex) {
        final List<String> names = new ArrayList<>();
        int classDepth = 0;
        int i = 0;
        while (i < regex.length()) {
            final char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 < regex.length() && regex.charAt(i + 1) == 'Q') {
                    final int end = regex.indexOf("\\E", i + 2);
                    i = end < 0 ? regex.length() : end + 2;
                } else {
                    i += 2;
                }
                continue;
            }
            if (c == '[') {
                classDepth++;
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
            } else if (classDepth == 0 && regex.startsWith("(?<", i) && i + 3 < regex.length()
                    && Character.isLetter(regex.charAt(i + 3))) {
                final int end = regex.indexOf('>', i + 3);
                if (end > 0) {
                    names.add(regex.substring(i + 3, end));
                    i = end + 1;
                    continue;
                }
            }
            i++;
        }
        return names;
    }
}
