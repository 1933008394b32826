package dev.sluice.runtime;

import dev.sluice.config.OutcomeSet;
import io.micrometer.core.instrument.Counter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A route's retry policy in the form the exchange uses.
 *
 * @param attempts        tries in all, the first included
 * @param on              the outcomes retried
 * @param nonIdempotent   retry non-idempotent methods too
 * @param backoffBaseNanos upper bound of the first back-off
 * @param backoffMaxNanos  cap of every back-off
 * @param bufferBytes     request body bytes kept for replay
 * @param retries         counts retries made
 * @param budgetExhausted counts retries refused by the upstream's budget
 */
public record CompiledRetry(int attempts, OutcomeSet on, boolean nonIdempotent, long backoffBaseNanos,
        long backoffMaxNanos, long bufferBytes, Counter retries, Counter budgetExhausted) {
    /**
     * The wait before retry {@code n} (1 for the first retry): exponential with full jitter, uniform in
     * {@code [0, min(max, base * 2^(n-1))]}. Full jitter spreads the retries of many clients that failed together
     * instead of sending them back in synchronised waves (Brooker, "Exponential Backoff And Jitter", AWS, 2015).
     */
    public long backoffNanos(int n) {
        final long cap = Math.min(backoffMaxNanos, backoffBaseNanos << Math.min(n - 1, 30));
        return ThreadLocalRandom.current().nextLong(Math.max(1, cap) + 1);
    }
}
