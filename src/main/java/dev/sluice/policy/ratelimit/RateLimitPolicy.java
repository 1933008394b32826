package dev.sluice.policy.ratelimit;

import dev.sluice.common.Ticker;
import dev.sluice.observability.GatewayMetrics;
import io.micrometer.core.instrument.Counter;
import dev.sluice.config.RateLimitSpec;
import dev.sluice.config.RateLimitSpec.Algorithm;
import dev.sluice.policy.Exchange;
import dev.sluice.policy.Policy;
import dev.sluice.policy.PolicyResult;
import java.util.concurrent.CompletionStage;

/**
 * A route's rate limit: keys each request, asks the limiter (local, or the cluster's through Redis), and admits,
 * delays or rejects it with the configured headers.
 *
 * <p>Threading: {@link #onRequest} runs on any event loop; the local limiters are lock-free and the counters are
 * {@code LongAdder}s in {@link RateLimitState}. A cluster decision completes on a Lettuce thread and hops back to the
 * request's event loop before resuming it.
 *
 * <p>Shadow mode evaluates and counts exactly as enforcing would, and adds the same quota headers, but never
 * rejects or delays: an operator can try a limit on live traffic first.
 */
final class RateLimitPolicy implements Policy {
    static final String CODE = "rate_limited";
    static final String UNAVAILABLE_CODE = "rate_limiter_unavailable";

    private final RateLimitSpec spec;
    private final String policyId;
    private final RateLimitState state;
    private final Counters counters;
    private final LimitKey key;
    private final RateLimitHeaders headers;
    private final Ticker ticker;
    private final RateLimitBackend.SharedLimit shared;
    private final RateLimitBackend cluster;
    private final boolean concurrency;
    private final boolean quotaHeaders;

    RateLimitPolicy(RateLimitSpec spec, String policyId, RateLimitState state, Counters counters, Ticker ticker,
            RateLimitBackend cluster) {
        this.spec = spec;
        this.policyId = policyId;
        this.state = state;
        this.counters = counters;
        this.key = LimitKey.of(spec.key());
        this.ticker = ticker;
        this.cluster = spec.scope() == RateLimitSpec.Scope.CLUSTER ? cluster : null;
        this.shared = this.cluster == null ? null : this.cluster.prepare(policyId, spec);
        this.concurrency = spec.algorithm() == Algorithm.CONCURRENCY;
        this.headers = new RateLimitHeaders(spec.headers(), spec.name(), state.limit(), windowSeconds(spec));
        this.quotaHeaders = spec.headers() != RateLimitSpec.HeaderStyle.NONE;
    }

    private static long windowSeconds(RateLimitSpec spec) {
        return spec.rate() == null ? 0 : Math.max(1, spec.rate().period().toSeconds());
    }

    RateLimitState state() {
        return state;
    }

    @Override
    public PolicyResult onRequest(Exchange exchange) {
        final String k = key.of(exchange);
        if (cluster != null) {
            return askCluster(exchange, k);
        }
        if (!quotaHeaders || !spec.headersOnSuccess()) {
            // The common case: no quota headers on admitted responses, so the allocation-free form suffices and
            // the quota figures are fetched only for a rejection.
            final long outcome = state.local().tryAcquireNanos(k, ticker.nanoTime());
            if (RateLimitDecision.isAllowed(outcome)) {
                return admit(exchange, RateLimitDecision.delayNanosOf(outcome));
            }
            return reject(exchange, RateLimitDecision.retryAfterNanosOf(outcome), 0,
                    RateLimitDecision.retryAfterNanosOf(outcome));
        }
        return decide(exchange, state.local().tryAcquire(k, ticker.nanoTime()));
    }

    @Override
    public void onComplete(Exchange exchange, int status) {
        if (concurrency) {
            final String k = key.of(exchange);
            // Concurrency limits are local only (validation refuses cluster scope for them).
            ((ConcurrencyLimiter) state.local().limiter(k)).release();
        }
    }

    /** Applies a full decision (with quota figures) to the request. */
    private PolicyResult decide(Exchange exchange, RateLimitDecision decision) {
        if (decision.allowed()) {
            if (spec.headersOnSuccess()) {
                headers.addQuota(exchange, decision.remaining(), decision.resetAfterNanos());
            }
            return admit(exchange, decision.delayNanos());
        }
        return reject(exchange, decision.retryAfterNanos(), decision.remaining(), decision.resetAfterNanos());
    }

    private PolicyResult admit(Exchange exchange, long delayNanos) {
        counters.admitted().increment();
        return delayNanos > 0 && !spec.shadow() ? new PolicyResult.Delay(delayNanos) : PolicyResult.CONTINUE;
    }

    private PolicyResult reject(Exchange exchange, long retryAfterNanos, long remaining, long resetAfterNanos) {
        if (spec.shadow()) {
            // Would have rejected. A shadowed concurrency limit still counts the request as in flight (forced),
            // so its release in onComplete stays balanced and the in-flight figure stays true.
            counters.shadowRejected().increment();
            if (concurrency && cluster == null) {
                ((ConcurrencyLimiter) state.local().limiter(key.of(exchange))).forceAcquire();
            }
            return PolicyResult.CONTINUE;
        }
        counters.rejected().increment();
        headers.addQuota(exchange, remaining, resetAfterNanos);
        RateLimitHeaders.addRetryAfter(exchange, retryAfterNanos);
        return new PolicyResult.Reject(spec.status(), CODE, spec.message());
    }

    /** One asynchronous round trip to Redis; the request is parked until it answers. */
    private PolicyResult askCluster(Exchange exchange, String k) {
        final CompletionStage<RateLimitDecision> pending = shared.decide(k);
        pending.whenComplete((decision, failure) -> exchange.eventLoop().execute(() ->
                exchange.resume(failure == null ? decide(exchange, decision) : onClusterFailure(exchange, k))));
        return PolicyResult.PENDING;
    }

    /** Redis is slow or down: apply the configured behaviour, so no request fails unless fail-closed was chosen. */
    private PolicyResult onClusterFailure(Exchange exchange, String k) {
        counters.redisFailures().increment();
        switch (spec.onRedisFailure()) {
            case FAIL_OPEN:
                counters.admitted().increment();
                return PolicyResult.CONTINUE;
            case FAIL_CLOSED:
                counters.rejected().increment();
                RateLimitHeaders.addRetryAfter(exchange, java.util.concurrent.TimeUnit.SECONDS.toNanos(1));
                return new PolicyResult.Reject(503, UNAVAILABLE_CODE, "rate limiter unavailable");
            default:
                final RateLimitDecision local = state.fallback(cluster.liveInstances()).tryAcquire(k,
                        ticker.nanoTime());
                return decide(exchange, local);
        }
    }

    @Override
    public String toString() {
        return "rate_limit(" + policyId + ", " + spec.algorithm().configName() + ")";
    }

    /**
     * The policy's decision counters, in the gateway's metrics: {@code sluice_ratelimit_decisions_total} tagged
     * {@code route}, {@code policy} and {@code decision} (admitted, rejected, shadow_rejected), and
     * {@code sluice_ratelimit_redis_failures_total}. Looked up by name and tags, so a reload keeps counting on the
     * same series.
     */
    record Counters(Counter admitted, Counter rejected, Counter shadowRejected, Counter redisFailures) {
        static Counters of(GatewayMetrics metrics, String route, String policy) {
            return new Counters(
                    metrics.counter(GatewayMetrics.RATE_LIMIT_DECISIONS, "route", route, "policy", policy,
                            "decision", "admitted"),
                    metrics.counter(GatewayMetrics.RATE_LIMIT_DECISIONS, "route", route, "policy", policy,
                            "decision", "rejected"),
                    metrics.counter(GatewayMetrics.RATE_LIMIT_DECISIONS, "route", route, "policy", policy,
                            "decision", "shadow_rejected"),
                    metrics.counter(GatewayMetrics.RATE_LIMIT_REDIS_FAILURES, "route", route, "policy", policy));
        }
    }
}
