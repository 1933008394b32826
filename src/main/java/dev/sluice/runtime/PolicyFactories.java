package dev.sluice.runtime;

import dev.sluice.config.PolicySpec;
import dev.sluice.policy.Policy;
import dev.sluice.policy.PolicyContext;
import dev.sluice.policy.PolicyFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The policy types the gateway knows: type name to factory. Explicit registration, no classpath scanning.
 */
public final class PolicyFactories {
    private final Map<String, PolicyFactory<?>> byType = new HashMap<>();

    public PolicyFactories(List<PolicyFactory<?>> factories) {
        for (PolicyFactory<?> f : factories) {
            if (byType.put(f.type(), f) != null) {
                throw new IllegalArgumentException("two factories for policy type \"" + f.type() + "\"");
            }
        }
    }

    /** Builds the policy for {@code spec} with the factory registered for its type. */
    Policy create(PolicySpec spec, PolicyContext context) {
        final PolicyFactory<?> factory = byType.get(spec.type());
        if (factory == null) {
            throw new IllegalArgumentException("no factory for policy type \"" + spec.type() + "\"");
        }
        return createTyped(factory, spec, context);
    }

    private static <S extends PolicySpec> Policy createTyped(PolicyFactory<S> factory, PolicySpec spec,
            PolicyContext context) {
        return factory.create(factory.specType().cast(spec), context);
    }
}
