package dev.sluice.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** The load-balancing algorithms an upstream can use; config names are the lower-case enum names. */
public enum BalancerKind {
    ROUND_ROBIN,
    WEIGHTED_ROUND_ROBIN,
    RANDOM,
    LEAST_REQUEST,
    CONSISTENT_HASH;

    /** The name used in configuration, e.g. {@code least_request}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a configuration name. Only the exact lower-case spelling is accepted so that a file has one canonical
     * form (diffs and the Admin API echo stay stable).
     *
     * @throws IllegalArgumentException naming the value and listing the allowed names
     */
    public static BalancerKind fromConfigName(String name) {
        Objects.requireNonNull(name, "name");
        for (final BalancerKind kind : values()) {
            if (kind.configName().equals(name)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown balancer \"" + name + "\" (expected one of: " + allowedNames()
                + ")");
    }

    /** The configuration names, comma separated, for error messages and docs. */
    static String allowedNames() {
        return Arrays.stream(values()).map(BalancerKind::configName).collect(Collectors.joining(", "));
    }
}
