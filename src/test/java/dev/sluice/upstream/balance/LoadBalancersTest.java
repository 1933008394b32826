package dev.sluice.upstream.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.BalancerKind;
import dev.sluice.config.HashOn;
import dev.sluice.upstream.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Tests the {@link LoadBalancers} factory's argument checks and its choice of implementation. */
class LoadBalancersTest {
    private static final HashOn BY_IP = new HashOn(HashOn.Source.CLIENT_IP, null);

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void create_emptyEndpoints_throwsIllegalArgument(BalancerKind kind) {
        assertThatThrownBy(() -> LoadBalancers.create(kind, BY_IP, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoints: [] (expected: at least one endpoint)");
    }

    @Test
    void create_consistentHashWithoutHashOn_throwsIllegalArgument() {
        assertThatThrownBy(() -> LoadBalancers.create(BalancerKind.CONSISTENT_HASH, null, TestEndpoints.unweighted(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("hashOn: null");
    }

    @Test
    void create_headerHashOnWithoutName_throwsIllegalArgument() {
        final HashOn unnamed = new HashOn(HashOn.Source.HEADER, " ");

        final List<Endpoint> endpoints = TestEndpoints.unweighted(2);

        assertThatThrownBy(() -> LoadBalancers.create(BalancerKind.CONSISTENT_HASH, unnamed, endpoints))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hashOn: header without a name (expected: header:<name>)");
    }

    @Test
    void create_duplicateEndpointKeys_throwsIllegalArgument() {
        final List<Endpoint> endpoints = List.of(new Endpoint("a", 80, 1), new Endpoint("a", 80, 2));

        assertThatThrownBy(() -> LoadBalancers.create(BalancerKind.ROUND_ROBIN, null, endpoints))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("endpoints: duplicate a:80 (expected: distinct host:port keys)");
    }

    @Test
    void create_nonHashKindWithoutHashOn_succeeds() {
        assertThat(LoadBalancers.create(BalancerKind.LEAST_REQUEST, null, TestEndpoints.unweighted(2)))
                .isInstanceOf(LeastRequestBalancer.class);
    }

    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void create_eachKind_buildsItsImplementation(BalancerKind kind) {
        final Class<?> expected = switch (kind) {
            case ROUND_ROBIN -> RoundRobinBalancer.class;
            case WEIGHTED_ROUND_ROBIN -> SmoothWeightedRoundRobinBalancer.class;
            case RANDOM -> RandomBalancer.class;
            case LEAST_REQUEST -> LeastRequestBalancer.class;
            case CONSISTENT_HASH -> ConsistentHashBalancer.class;
        };

        assertThat(LoadBalancers.create(kind, BY_IP, TestEndpoints.unweighted(3))).isInstanceOf(expected);
    }
}
