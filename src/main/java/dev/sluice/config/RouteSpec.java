package dev.sluice.config;

import java.util.List;

/**
 * One route: what requests it matches and what it does with them.
 *
 * <p>Exactly one action is set: {@code upstream} (proxy) or {@code staticResponse}.
 *
 * @param id              stable unique id, used in logs, metrics and state keys
 * @param priority        explicit precedence; higher wins over any specificity rule (default 0)
 * @param match           the match conditions
 * @param upstream        name of the upstream to proxy to
 * @param staticResponse  a fixed response to answer with instead of proxying
 * @param stripPrefix     remove the matched {@code path_prefix} before forwarding
 * @param rewrite         replacement path template, may use the match's captures: {@code /v2/users/{id}}
 * @param preserveHost    forward the client's Host header (default true); false sends the target's host:port
 * @param hostRewrite     a fixed Host header to send upstream (overrides preserveHost)
 * @param requestHeaders  header rules applied to the request before it is forwarded
 * @param responseHeaders header rules applied to the response before it is returned
 * @param maxBodySize     request body limit for this route (overrides the server's)
 * @param timeouts        connect, per-try and total timeouts; combined with the upstream's, the tighter wins
 * @param retry           retry policy, or {@code null} for none
 * @param circuitBreaker  a breaker judging this route's requests, or {@code null}
 * @param fallback        what to answer when the upstream cannot, or {@code null}
 * @param concurrency     a cap on this route's requests in flight, or {@code null}
 * @param policies        request policies, applied in order before the request is forwarded
 */
public record RouteSpec(
        String id,
        int priority,
        MatchSpec match,
        String upstream,
        StaticResponseSpec staticResponse,
        boolean stripPrefix,
        String rewrite,
        Boolean preserveHost,
        String hostRewrite,
        HeaderRulesSpec requestHeaders,
        HeaderRulesSpec responseHeaders,
        DataSize maxBodySize,
        TimeoutsSpec timeouts,
        RetrySpec retry,
        CircuitBreakerSpec circuitBreaker,
        FallbackSpec fallback,
        ConcurrencySpec concurrency,
        List<PolicySpec> policies) {

    public RouteSpec {
        match = match == null ? MatchSpec.any() : match;
        preserveHost = preserveHost == null ? Boolean.TRUE : preserveHost;
        requestHeaders = requestHeaders == null ? HeaderRulesSpec.none() : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderRulesSpec.none() : responseHeaders;
        timeouts = timeouts == null ? TimeoutsSpec.none() : timeouts;
        policies = policies == null ? List.of() : List.copyOf(policies);
    }
}
