package dev.sluice.routing;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A header or query condition: the named value must equal a string, be present ({@code *}) or fully match a regex
 * ({@code ~regex}).
 */
final class ValueCondition {

    final String name;
    private final String exact;
    private final LocalRegex regex;

    private ValueCondition(final String name, final String exact, final LocalRegex regex) {
        this.name = name;
        this.exact = exact;
        this.regex = regex;
    }

    /**
     * Parses one condition, adding problems to {@code problems}.
     *
     * @return the condition, or {@code null} if it is invalid
     */
    static ValueCondition parse(final String name, final String value, final String where,
            final List<String> problems) {
        if (name == null || name.isBlank()) {
            problems.add(where + ": name must not be empty");
            return null;
        }
        if (value == null) {
            problems.add(where + ": value must not be empty (expected: a value, \"*\" or \"~regex\")");
            return null;
        }
        if ("*".equals(value)) {
            return new ValueCondition(name, null, null);
        }
        if (value.startsWith("~")) {
            try {
                return new ValueCondition(name, null, new LocalRegex(Pattern.compile(value.substring(1))));
            } catch (PatternSyntaxException e) {
                problems.add(where + ": invalid regex \"" + value.substring(1) + "\": " + e.getDescription()
                        + " near index " + e.getIndex());
                return null;
            }
        }
        return new ValueCondition(name, value, null);
    }

    /** Returns whether the request's value (null when absent) satisfies the condition. */
    boolean test(final String actual) {
        if (actual == null) {
            return false;
        }
        if (exact != null) {
            return exact.equals(actual);
        }
        return regex == null || regex.matches(actual);
    }
}
