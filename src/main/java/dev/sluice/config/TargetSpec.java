package dev.sluice.config;

/**
 * One upstream target.
 *
 * @param url    {@code http://host:port}, no path
 * @param weight relative share of traffic for weighted balancers, at least 1
 */
public record TargetSpec(String url, int weight) {
    public TargetSpec {
        weight = weight == 0 ? 1 : weight;
    }
}
