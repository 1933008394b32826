package dev.sluice.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed {@code path} or {@code path_prefix} template: a list of segments, each a literal or a {@code {name}}
 * capture, optionally ending in a {@code {*name}} catch-all (exact paths only).
 *
 * <p>Segments are what lies between slashes after the leading one, so {@code "/"} is one empty segment, {@code "/a/"}
 * is {@code ["a", ""]} (trailing slashes are significant for exact paths), and a prefix is stored without its trailing
 * slash ({@code "/api/"} and {@code "/api"} both mean {@code ["api"]}; {@code "/"} means no segments).
 */
final class PathTemplate {

    /** Positional literal masks use bits 62..0; deeper segments do not influence precedence. */
    static final int MASK_BITS = 63;

    /** Literal text per segment, {@code null} where the segment is a capture. */
    final String[] literals;
    /** Capture name per segment, {@code null} where the segment is a literal. */
    final String[] captures;
    /** Name of the final {@code {*name}} catch-all, or {@code null}. Not counted in {@link #depth()}. */
    final String catchAll;
    final boolean prefix;

    private PathTemplate(final String[] literals, final String[] captures, final String catchAll,
            final boolean prefix) {
        this.literals = literals;
        this.captures = captures;
        this.catchAll = catchAll;
        this.prefix = prefix;
    }

    /**
     * Parses a template, adding every problem found to {@code problems} (prefixed by {@code where}).
     *
     * @return the template, or {@code null} if any problem was found
     */
    static PathTemplate parse(final String template, final boolean prefix, final String where,
            final List<String> problems) {
        if (template.isEmpty() || template.charAt(0) != '/') {
            problems.add(where + ": \"" + template + "\" must start with '/'");
            return null;
        }
        final String normal = PathNormalizer.normalize(template);
        if (normal == null) {
            problems.add(where + ": \"" + template
                    + "\" is not a valid path (control characters, spaces, non-ASCII or malformed percent escapes)");
            return null;
        }
        if (!normal.equals(template)) {
            // Requests are normalised before matching, so a non-normal template could never match as written.
            problems.add(where + ": \"" + template + "\" is not normalised (expected: \"" + normal + "\")");
            return null;
        }
        final String body = prefix && template.length() > 1 && template.endsWith("/")
                ? template.substring(0, template.length() - 1) : template;
        final String[] parts = prefix && body.length() == 1 ? new String[0] : body.substring(1).split("/", -1);
        final int before = problems.size();
        final List<String> literals = new ArrayList<>();
        final List<String> captures = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        String catchAll = null;
        for (int i = 0; i < parts.length; i++) {
            final String part = parts[i];
            final int open = part.indexOf('{');
            final int close = part.indexOf('}');
            if (open < 0 && close < 0) {
                literals.add(part);
                captures.add(null);
                continue;
            }
            if (open == 0 && close < 0) {
                problems.add(where + ": template segment \"" + part + "\" is not closed");
                continue;
            }
            if (open != 0 || close != part.length() - 1 || part.indexOf('{', 1) >= 0) {
                problems.add(where + ": template segment \"" + part
                        + "\" must be a whole-segment capture like {name} or a literal without braces");
                continue;
            }
            final boolean isCatchAll = part.length() > 2 && part.charAt(1) == '*';
            final String name = part.substring(isCatchAll ? 2 : 1, part.length() - 1);
            if (!isValidName(name)) {
                problems.add(where + ": capture name \"" + name + "\" in \"" + part
                        + "\" is not valid (expected: [A-Za-z_][A-Za-z0-9_]*)");
                continue;
            }
            if (!names.add(name)) {
                problems.add(where + ": capture name \"" + name + "\" is used twice");
                continue;
            }
            if (isCatchAll) {
                if (prefix) {
                    problems.add(where + ": catch-all \"" + part + "\" is not allowed in path_prefix (a prefix "
                            + "already matches the rest of the path)");
                } else if (i != parts.length - 1) {
                    problems.add(where + ": catch-all \"" + part + "\" must be the last segment");
                } else {
                    catchAll = name;
                }
                continue;
            }
            literals.add(null);
            captures.add(name);
        }
        if (problems.size() != before) {
            return null;
        }
        return new PathTemplate(literals.toArray(new String[0]), captures.toArray(new String[0]), catchAll, prefix);
    }

    /** Returns whether {@code name} is a valid capture or rewrite variable name. */
    static boolean isValidName(final String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            final boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    /** Number of segments before any catch-all. */
    int depth() {
        return literals.length;
    }

    /** Whether this template matches a path by its leading segments (path_prefix or a catch-all). */
    boolean matchesByPrefix() {
        return prefix || catchAll != null;
    }

    int literalCount() {
        int n = 0;
        for (final String literal : literals) {
            if (literal != null) {
                n++;
            }
        }
        return n;
    }

    /** Bit (62 - i) is set when segment i is a literal: at the first differing depth, a literal beats a capture. */
    long literalMask() {
        long mask = 0;
        for (int i = 0; i < Math.min(literals.length, MASK_BITS); i++) {
            if (literals[i] != null) {
                mask |= 1L << (MASK_BITS - 1 - i);
            }
        }
        return mask;
    }

    /** Capture names in segment order, the catch-all last. */
    List<String> captureNames() {
        final List<String> out = new ArrayList<>();
        for (final String capture : captures) {
            if (capture != null) {
                out.add(capture);
            }
        }
        if (catchAll != null) {
            out.add(catchAll);
        }
        return out;
    }
}
