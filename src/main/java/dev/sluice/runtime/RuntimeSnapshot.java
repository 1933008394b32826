package dev.sluice.runtime;

import dev.sluice.observability.GatewayMetrics;

import dev.sluice.config.GatewayConfig;
import dev.sluice.routing.Router;
import java.util.List;
import java.util.Map;

/**
 * One immutable, compiled configuration: the router with its routes, the upstreams, and the listener settings.
 *
 * <p>A request reads the current snapshot once, when its head arrives, and uses that snapshot to the end, so a
 * reload never changes a request halfway. A reload builds a new snapshot and swaps one reference in
 * {@link SnapshotHolder}.
 *
 * @param version   increases by one with each applied configuration
 * @param config    the validated configuration this was compiled from
 * @param router    matches requests to routes
 * @param routes    the compiled routes in configuration order
 * @param upstreams compiled upstreams by name
 * @param listener  listener settings the data plane reads per request
 * @param metrics   the gateway's metrics, for the data plane's rare events (rejections, fallbacks)
 */
public record RuntimeSnapshot(
        long version,
        GatewayConfig config,
        Router<CompiledRoute> router,
        List<CompiledRoute> routes,
        Map<String, CompiledUpstream> upstreams,
        ListenerSettings listener,
        GatewayMetrics metrics) {
}
