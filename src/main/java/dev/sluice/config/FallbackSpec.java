package dev.sluice.config;

import java.util.List;

/**
 * What a route answers instead when its upstream cannot: while its circuit breaker is open, and when the gateway
 * would otherwise answer with an upstream error (connect failure, reset, timeout, no healthy endpoint, overload).
 * Exactly one of {@code staticResponse} and {@code upstream} is set.
 *
 * <pre>{@code
 * fallback:
 *   static_response: { status: 200, body: '{"items":[]}', headers: { Content-Type: application/json } }
 *   on_status: [503]          # also replace upstream responses with these statuses
 * }</pre>
 *
 * @param staticResponse a fixed answer
 * @param upstream       another upstream to send the request to (once, without retries)
 * @param onStatus       upstream response statuses that are replaced by the fallback too (default none)
 */
public record FallbackSpec(StaticResponseSpec staticResponse, String upstream, List<String> onStatus) {
    public FallbackSpec {
        onStatus = onStatus == null ? List.of() : List.copyOf(onStatus);
    }
}
