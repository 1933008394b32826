package dev.sluice.runtime;

import dev.sluice.config.StatusSet;

/**
 * A route's fallback: a fixed response or another upstream, and the upstream statuses it replaces besides the
 * gateway's own upstream errors.
 *
 * @param staticResponse the fixed answer, or {@code null}
 * @param upstream       the upstream to try instead, or {@code null}
 * @param timeouts       the route's timeouts combined with the fallback upstream's (when {@code upstream} is set)
 * @param onStatus       upstream statuses replaced by the fallback
 */
public record CompiledFallback(StaticResponse staticResponse, CompiledUpstream upstream, CallTimeouts timeouts,
        StatusSet onStatus) {
}
