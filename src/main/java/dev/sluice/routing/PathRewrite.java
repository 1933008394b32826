package dev.sluice.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A compiled path template for rewriting a matched request's path, e.g. {@code /v2/users/{id}}.
 *
 * <p>Each {@code {name}} is replaced by the match's capture of that name; a capture that is absent at runtime (an
 * optional regex group) becomes the empty string. Compile-time checks against the route are the caller's job: compare
 * {@link #variables()} with the captures the route can produce and report unknown names as configuration problems.
 *
 * <pre>{@code
 * PathRewrite rewrite = PathRewrite.compile("/v2/users/{id}");
 * rewrite.variables();        // [id]
 * rewrite.apply(match);       // "/v2/users/42" when match.capture("id") is "42"
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class PathRewrite {

    private final String template;
    private final String[] literals;
    private final String[] variableAt;
    private final Set<String> variables;
    private final int literalLength;

    private PathRewrite(final String template, final List<String> literals, final List<String> variableAt) {
        this.template = template;
        this.literals = literals.toArray(new String[0]);
        this.variableAt = variableAt.toArray(new String[0]);
        this.variables = Collections.unmodifiableSet(new LinkedHashSet<>(variableAt));
        int n = 0;
        for (final String literal : literals) {
            n += literal.length();
        }
        this.literalLength = n;
    }

    /**
     * Compiles a rewrite template.
     *
     * @param template a path starting with {@code '/'}; {@code {name}} inserts a capture, names are
     *                 {@code [A-Za-z_][A-Za-z0-9_]*}
     * @return the compiled template
     * @throws IllegalArgumentException if the template is malformed; the message names the template and the problem
     */
    public static PathRewrite compile(final String template) {
        Objects.requireNonNull(template, "template");
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("rewrite \"" + template + "\": must start with '/'");
        }
        final List<String> literals = new ArrayList<>();
        final List<String> variableAt = new ArrayList<>();
        final StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            final char c = template.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException(
                        "rewrite \"" + template + "\": '}' at index " + i + " without a matching '{'");
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            final int close = template.indexOf('}', i + 1);
            final int nextOpen = template.indexOf('{', i + 1);
            if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
                throw new IllegalArgumentException(
                        "rewrite \"" + template + "\": '{' at index " + i + " is not closed");
            }
            final String name = template.substring(i + 1, close);
            if (!PathTemplate.isValidName(name)) {
                throw new IllegalArgumentException("rewrite \"" + template + "\": variable \"" + name
                        + "\" is not a valid name (expected: [A-Za-z_][A-Za-z0-9_]*)");
            }
            literals.add(literal.toString());
            literal.setLength(0);
            variableAt.add(name);
            i = close + 1;
        }
        literals.add(literal.toString());
        return new PathRewrite(template, literals, variableAt);
    }

    /** Returns the variable names the template uses, in order of first use. */
    public Set<String> variables() {
        return variables;
    }

    /**
     * Returns the rewritten path for a match.
     *
     * @param match the route match whose captures fill the variables
     */
    public String apply(final RouteMatch<?> match) {
        if (variableAt.length == 0) {
            return template;
        }
        final StringBuilder out = new StringBuilder(literalLength + 16 * variableAt.length);
        for (int i = 0; i < variableAt.length; i++) {
            out.append(literals[i]);
            final String value = match.capture(variableAt[i]);
            if (value != null) {
                out.append(value);
            }
        }
        out.append(literals[variableAt.length]);
        return out.toString();
    }

    @Override
    public String toString() {
        return template;
    }
}
