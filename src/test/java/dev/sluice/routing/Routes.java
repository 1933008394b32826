package dev.sluice.routing;

import dev.sluice.config.MatchSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds route definitions for tests; the target of each route is its id. */
final class Routes {

    private final List<RouteDefinition<String>> definitions = new ArrayList<>();

    static MatchSpec path(final String path) {
        return new MatchSpec(null, path, null, null, null, null, null);
    }

    static MatchSpec prefix(final String prefix) {
        return new MatchSpec(null, null, prefix, null, null, null, null);
    }

    static MatchSpec regex(final String regex) {
        return new MatchSpec(null, null, null, regex, null, null, null);
    }

    static MatchSpec hosts(final MatchSpec m, final String... hosts) {
        return new MatchSpec(List.of(hosts), m.path(), m.pathPrefix(), m.pathRegex(), m.methods(), m.headers(),
                m.query());
    }

    static MatchSpec methods(final MatchSpec m, final String... methods) {
        return new MatchSpec(m.hosts(), m.path(), m.pathPrefix(), m.pathRegex(), List.of(methods), m.headers(),
                m.query());
    }

    static MatchSpec headers(final MatchSpec m, final Map<String, String> headers) {
        return new MatchSpec(m.hosts(), m.path(), m.pathPrefix(), m.pathRegex(), m.methods(), headers, m.query());
    }

    static MatchSpec query(final MatchSpec m, final Map<String, String> query) {
        return new MatchSpec(m.hosts(), m.path(), m.pathPrefix(), m.pathRegex(), m.methods(), m.headers(), query);
    }

    Routes add(final String id, final MatchSpec match) {
        return add(id, 0, match);
    }

    Routes add(final String id, final int priority, final MatchSpec match) {
        definitions.add(new RouteDefinition<>(id, priority, match, id));
        return this;
    }

    List<RouteDefinition<String>> definitions() {
        return definitions;
    }

    Router<String> compile() {
        try {
            return Router.compile(definitions);
        } catch (RouteCompileException e) {
            throw new AssertionError(e.problems().toString(), e);
        }
    }
}
