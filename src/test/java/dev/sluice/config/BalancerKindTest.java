package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BalancerKindTest {
    @ParameterizedTest
    @EnumSource(BalancerKind.class)
    void fromConfigName_lowerCaseName_returnsKind(BalancerKind kind) {
        assertThat(BalancerKind.fromConfigName(kind.configName())).isEqualTo(kind);
    }

    @Test
    void fromConfigName_upperCase_isRejected() {
        assertThatThrownBy(() -> BalancerKind.fromConfigName("LEAST_REQUEST"))
                .hasMessage("unknown balancer \"LEAST_REQUEST\" (expected one of: round_robin, weighted_round_robin,"
                        + " random, least_request, consistent_hash)");
    }
}
