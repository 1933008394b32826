package dev.sluice.policy;

import dev.sluice.config.PolicySpec;

/**
 * Builds the runtime {@link Policy} of one policy type from its validated configuration.
 *
 * <p>Called on the config thread while a snapshot compiles. Stateful parts (counters, buckets) must come from
 * {@link PolicyContext#state}, so they survive a reload that does not change this policy.
 *
 * @param <S> the configuration record of this policy type
 */
public interface PolicyFactory<S extends PolicySpec> {
    /** The configuration key of this policy type, e.g. {@code rate_limit}. */
    String type();

    /** The configuration record this factory accepts. */
    Class<S> specType();

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException with a message naming the value and the expectation, when the spec
     *                                  cannot be built (reported like a validation problem)
     */
    Policy create(S spec, PolicyContext context);
}
