package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One entry of a route's {@code policies} list, written as a one-key mapping whose key names the policy type:
 *
 * <pre>{@code
 * policies:
 *   - rate_limit: { algorithm: token_bucket, rate: 100/s, burst: 50, key: client_ip }
 * }</pre>
 *
 * <p>The type names are the string constants of each policy factory; they are declared here, never derived from
 * class names.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
@JsonSubTypes({
    @JsonSubTypes.Type(value = RateLimitSpec.class, name = RateLimitSpec.TYPE),
})
public sealed interface PolicySpec permits RateLimitSpec {
    /** Every policy type name, for error messages. */
    String TYPES = RateLimitSpec.TYPE;

    /** The configuration key of this policy type, e.g. {@code rate_limit}. */
    String type();

    /** The name that identifies this policy within its route (state, metrics, headers). */
    String name();
}
