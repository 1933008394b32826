package dev.sluice.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.BalancerKind;
import dev.sluice.policy.breaker.BreakerListener;
import dev.sluice.policy.breaker.BreakerSettings;
import dev.sluice.policy.breaker.CircuitBreaker;
import dev.sluice.policy.breaker.WindowKind;
import dev.sluice.testing.FakeTicker;
import dev.sluice.upstream.balance.PickContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The live upstream: picks only available endpoints, prefers untried ones, panics, and budgets retries. */
class UpstreamTest {
    private static final PickContext REQUEST = new PickContext() {
        @Override
        public String clientIp() {
            return "10.0.0.1";
        }

        @Override
        public String path() {
            return "/";
        }

        @Override
        public String header(CharSequence name) {
            return null;
        }

        @Override
        public String cookie(String name) {
            return null;
        }
    };
    private static final Upstream.EndpointFilter ANY = (e, allowRepeat) -> true;

    private final FakeTicker ticker = new FakeTicker(1_000_000_000L);
    private final List<Endpoint> endpoints = List.of(new Endpoint("a", 1, 1), new Endpoint("b", 1, 1),
            new Endpoint("c", 1, 1));

    private Upstream upstream(double panic) {
        final Upstream u = new Upstream("u", Runnable::run, ticker);
        u.configure(endpoints, BalancerKind.ROUND_ROBIN, null, panic);
        return u;
    }

    @Test
    void pick_allHealthy_roundRobinsOverAll() {
        final Upstream u = upstream(0);
        final Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            seen.add(u.pick(REQUEST, ANY).key());
        }
        assertThat(seen).containsExactlyInAnyOrder("a:1", "b:1", "c:1");
    }

    @Test
    void pick_endpointBreakerOpen_endpointLeavesTheSetAndReturnsWhenHalfOpen() {
        final CircuitBreaker breaker = new CircuitBreaker("b", new BreakerSettings(WindowKind.COUNT, 2, 2, 0.5, 1.0, 0,
                TimeUnit.SECONDS.toNanos(5), 1), ticker, BreakerListener.NONE);
        endpoints.get(1).setBreaker(breaker);
        final Upstream u = upstream(0);
        for (int i = 0; i < 2; i++) {
            breaker.onFailure(breaker.tryAcquire(), 1);
        }
        u.refresh();
        assertThat(u.endpoints().eligible()).extracting(Endpoint::key).containsExactly("a:1", "c:1");
        for (int i = 0; i < 30; i++) {
            assertThat(u.pick(REQUEST, ANY).key()).isNotEqualTo("b:1");
        }
        ticker.advance(java.time.Duration.ofSeconds(5));
        assertThat(breaker.transitionToHalfOpenIfDue()).isTrue();
        u.refresh();
        assertThat(u.endpoints().eligible()).hasSize(3);
    }

    @Test
    void pick_filterRefusesTriedEndpoint_offersAnotherFirst() {
        final Upstream u = upstream(0);
        final Endpoint first = u.pick(REQUEST, ANY);
        for (int i = 0; i < 20; i++) {
            final List<Endpoint> offered = new ArrayList<>();
            final Endpoint again = u.pick(REQUEST, (e, allowRepeat) -> {
                offered.add(e);
                return e != first || allowRepeat;
            });
            assertThat(again).isNotSameAs(first);
        }
    }

    @Test
    void pick_onlyTriedEndpointsLeft_acceptsARepeat() {
        final Upstream u = upstream(0);
        final Endpoint picked = u.pick(REQUEST, (e, allowRepeat) -> allowRepeat);
        assertThat(picked).isNotNull();
    }

    @Test
    void pick_filterRefusesAll_returnsNull() {
        assertThat(upstream(0).pick(REQUEST, (e, allowRepeat) -> false)).isNull();
    }

    private void tripAll() {
        for (final Endpoint e : endpoints) {
            final CircuitBreaker breaker = new CircuitBreaker(e.key(), new BreakerSettings(WindowKind.COUNT, 1, 1, 0.5,
                    1.0, 0, TimeUnit.SECONDS.toNanos(5), 1), ticker, BreakerListener.NONE);
            e.setBreaker(breaker);
            breaker.onFailure(breaker.tryAcquire(), 1);
        }
    }

    @Test
    void noneAvailable_noPanic_setIsEmptyAndPickIsNull() {
        tripAll();
        final Upstream u = upstream(0);
        assertThat(u.endpoints().eligible()).isEmpty();
        assertThat(u.endpoints().panic()).isFalse();
        assertThat(u.pick(REQUEST, ANY)).isNull();
    }

    @Test
    void fewerAvailableThanPanicThreshold_everyEndpointIsEligible() {
        tripAll();
        final Upstream u = upstream(0.5);
        assertThat(u.endpoints().panic()).isTrue();
        assertThat(u.endpoints().eligible()).hasSize(3);
        assertThat(u.pick(REQUEST, ANY)).isNotNull();
    }

    @Test
    void tryAcquireRetry_honoursPercentOfActiveAndMinimum() {
        final Upstream u = upstream(0);
        for (int i = 0; i < 30; i++) {
            endpoints.get(i % 3).acquire();
        }
        // 30 in flight: 20% allows 6 concurrent retries; the minimum of 2 is lower.
        int granted = 0;
        while (u.tryAcquireRetry(0.2, 2)) {
            granted++;
        }
        assertThat(granted).isEqualTo(6);
        u.releaseRetry();
        assertThat(u.tryAcquireRetry(0.2, 2)).isTrue();
        assertThat(u.retriesInFlight()).isEqualTo(6);
    }

    @Test
    void tryAcquireRetry_quietUpstream_minimumStillAllowsRetries() {
        final Upstream u = upstream(0);
        assertThat(u.tryAcquireRetry(0.2, 2)).isTrue();
        assertThat(u.tryAcquireRetry(0.2, 2)).isTrue();
        assertThat(u.tryAcquireRetry(0.2, 2)).isFalse();
    }
}
