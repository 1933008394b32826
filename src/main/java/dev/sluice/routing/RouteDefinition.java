package dev.sluice.routing;

import dev.sluice.config.MatchSpec;

/**
 * One route as the router sees it: an id, an explicit priority, match conditions and an opaque target.
 *
 * @param id       stable route id, reported by {@link RouteMatch#routeId()}
 * @param priority explicit precedence; higher wins before any specificity rule
 * @param match    the match conditions; {@code null} means {@link MatchSpec#any()}
 * @param target   what a match resolves to (the compiled route in the runtime snapshot)
 * @param <T>      target type
 */
public record RouteDefinition<T>(String id, int priority, MatchSpec match, T target) {

    public RouteDefinition {
        match = match == null ? MatchSpec.any() : match;
    }
}
