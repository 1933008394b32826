package dev.sluice.policy;

import java.util.List;

/**
 * The ordered policies of one route, as an array walked with plain calls (no pipeline handlers, no allocation).
 *
 * <p>The exchange drives it: it calls {@link #get(int)}'s {@code onRequest} for index 0, 1, ... until one does not
 * answer {@link PolicyResult#CONTINUE}, and at the end calls {@link #complete} for the policies that admitted the
 * request, in reverse order.
 */
public final class PolicyChain {
    public static final PolicyChain EMPTY = new PolicyChain(new Policy[0]);

    private final Policy[] policies;

    private PolicyChain(Policy[] policies) {
        this.policies = policies;
    }

    public static PolicyChain of(List<Policy> policies) {
        return policies.isEmpty() ? EMPTY : new PolicyChain(policies.toArray(new Policy[0]));
    }

    public int size() {
        return policies.length;
    }

    public Policy get(int index) {
        return policies[index];
    }

    /** Tells the first {@code admitted} policies, last first, that the exchange ended with {@code status}. */
    public void complete(Exchange exchange, int admitted, int status) {
        for (int i = Math.min(admitted, policies.length) - 1; i >= 0; i--) {
            policies[i].onComplete(exchange, status);
        }
    }
}
