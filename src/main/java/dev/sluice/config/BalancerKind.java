package dev.sluice.config;

/** The load-balancing algorithms an upstream can use; config names are the lower-case enum names. */
public enum BalancerKind {
    ROUND_ROBIN,
    WEIGHTED_ROUND_ROBIN,
    RANDOM,
    LEAST_REQUEST,
    CONSISTENT_HASH
}
