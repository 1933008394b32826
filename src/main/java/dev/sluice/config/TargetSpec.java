package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One upstream target.
 *
 * <p>The canonical constructor keeps the weight as given: an explicit {@code weight: 0} must reach the validator and
 * be rejected, not silently become 1 (an operator writing 0 usually means "drain", which this key does not do).
 *
 * @param url    {@code http://host:port}, no path
 * @param weight relative share of traffic for weighted balancers, 1..10000 (default 1)
 */
public record TargetSpec(String url, int weight) {
    /** Weight when the key is absent. */
    public static final int DEFAULT_WEIGHT = 1;

    /** A target with the default weight. */
    public static TargetSpec of(String url) {
        return new TargetSpec(url, DEFAULT_WEIGHT);
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static TargetSpec fromConfig(@JsonProperty("url") String url, @JsonProperty("weight") Integer weight) {
        return new TargetSpec(url, weight == null ? DEFAULT_WEIGHT : weight);
    }
}
