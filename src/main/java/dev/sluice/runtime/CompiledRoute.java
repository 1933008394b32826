package dev.sluice.runtime;

import dev.sluice.config.OutcomeSet;
import dev.sluice.policy.PolicyChain;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.policy.concurrency.ConcurrencyGate;
import dev.sluice.routing.PathRewrite;

/**
 * A route ready for the data plane: either a proxy action on an upstream or a static response, with its request
 * and response changes pre-compiled and its resilience settings resolved.
 *
 * @param id               the route's stable id
 * @param upstream         where to proxy, or {@code null} for a static route
 * @param staticResponse   the fixed answer, or {@code null} for a proxy route
 * @param stripPrefix      forward only the path after the matched prefix
 * @param rewrite          replacement path built from captures, or {@code null}
 * @param preserveHost     forward the client's Host header
 * @param hostRewrite      a fixed Host to send upstream, or {@code null}
 * @param requestHeaders   changes applied to the forwarded request
 * @param responseHeaders  changes applied to the returned response
 * @param maxBodyBytes     request body limit
 * @param timeouts         the route's timeouts combined with its upstream's
 * @param policies         the route's request policies, in order
 * @param retry            the retry policy, or {@code null}
 * @param breaker          the route's circuit breaker (judging whole requests), or {@code null}
 * @param breakerFailureOn what counts as a failure for {@code breaker}
 * @param fallback         the fallback, or {@code null}
 * @param concurrency      the route's cap on requests in flight, or {@code null}
 */
public record CompiledRoute(
        String id,
        CompiledUpstream upstream,
        StaticResponse staticResponse,
        boolean stripPrefix,
        PathRewrite rewrite,
        boolean preserveHost,
        String hostRewrite,
        HeaderRules requestHeaders,
        HeaderRules responseHeaders,
        long maxBodyBytes,
        CallTimeouts timeouts,
        PolicyChain policies,
        CompiledRetry retry,
        CircuitBreaker breaker,
        OutcomeSet breakerFailureOn,
        CompiledFallback fallback,
        ConcurrencyGate concurrency) {
}
