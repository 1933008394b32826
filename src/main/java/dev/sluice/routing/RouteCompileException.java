package dev.sluice.routing;

import java.util.List;

/**
 * Thrown by {@link Router#compile} when route definitions are invalid; lists every problem, not just the first.
 *
 * <p>Each problem names its path in the configuration, e.g.
 * {@code routes[3].match.path: template segment "{id" is not closed}.
 */
public final class RouteCompileException extends Exception {

    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param problems the problems found, at least one
     */
    public RouteCompileException(final List<String> problems) {
        super(problems.size() + " route problem(s): " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    /** Returns every problem found, each prefixed by its configuration path. */
    public List<String> problems() {
        return problems;
    }
}
