package dev.sluice.runtime;

import dev.sluice.policy.ratelimit.RateLimitPolicyFactory;
import java.util.List;

/** The policy types built into the gateway, registered explicitly. */
public final class BuiltinPolicies {
    private BuiltinPolicies() {}

    public static PolicyFactories factories() {
        return new PolicyFactories(List.of(new RateLimitPolicyFactory()));
    }
}
