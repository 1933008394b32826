package dev.sluice.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of a successful {@link Router#match}: the route's target, its id and the values it captured.
 *
 * <p>Created only on a hit, so captures are materialised only then. Immutable.
 *
 * @param <T> target type
 */
public final class RouteMatch<T> {

    private static final String[] NONE = new String[0];

    private final T target;
    private final String routeId;
    private final String[] names;
    private final String[] values;
    private final String pathAfterPrefix;

    RouteMatch(final T target, final String routeId, final String[] names, final String[] values,
            final String pathAfterPrefix) {
        assert names.length == values.length : "one value per capture name";
        this.target = target;
        this.routeId = routeId;
        this.names = names.length == 0 ? NONE : names;
        this.values = values.length == 0 ? NONE : values;
        this.pathAfterPrefix = pathAfterPrefix;
    }

    /** Returns the matched route's target. */
    public T target() {
        return target;
    }

    /** Returns the matched route's id. */
    public String routeId() {
        return routeId;
    }

    /**
     * Returns the value captured under {@code name}, or {@code null} if the route has no such capture.
     *
     * <p>Template captures ({@code {id}}) and catch-alls ({@code {*rest}}) hold raw, still-encoded path text; regex
     * named groups that did not participate in the match are absent.
     */
    public String capture(final String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    /** Returns all captures in template order, as an unmodifiable map. */
    public Map<String, String> captures() {
        if (names.length == 0) {
            return Map.of();
        }
        final Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], values[i]);
        }
        return Collections.unmodifiableMap(map);
    }

    /**
     * Returns the path after the matched {@code path_prefix} (or the part before a {@code {*rest}} catch-all), for
     * strip-prefix forwarding: it always starts with {@code '/'} and is {@code "/"} when nothing is left. For routes
     * without a prefix (exact, regex or any path) it is the whole path.
     */
    public String pathAfterPrefix() {
        return pathAfterPrefix;
    }

    @Override
    public String toString() {
        return "RouteMatch[" + routeId + ", " + captures() + ", pathAfterPrefix=" + pathAfterPrefix + "]";
    }
}
