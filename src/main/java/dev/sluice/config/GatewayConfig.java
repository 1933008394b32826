package dev.sluice.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole gateway configuration as the operator wrote it: one listener, named upstreams and ordered routes.
 *
 * <p>Instances are produced by {@code ConfigLoader} after interpolation and binding, and are only handed to the
 * runtime after {@code ConfigValidator} found no errors.
 */
public record GatewayConfig(ServerSpec server, ClusterSpec cluster, Map<String, UpstreamSpec> upstreams,
        List<RouteSpec> routes) {
    public GatewayConfig {
        cluster = cluster == null ? ClusterSpec.none() : cluster;
        server = server == null ? ServerSpec.defaults() : server;
        upstreams = upstreams == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
        routes = routes == null ? List.of() : List.copyOf(routes);
    }
}
