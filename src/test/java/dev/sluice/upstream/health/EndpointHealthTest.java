package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.upstream.Endpoint;
import org.junit.jupiter.api.Test;

class EndpointHealthTest {
    private final Endpoint endpoint = new Endpoint("10.0.0.1", 8080, 1);
    private final EndpointHealth health = endpoint.health();
    private final RecordingListener listener = new RecordingListener();

    @Test
    void newEndpoint_isHealthyAndNeverEjected() {
        assertThat(health.isHealthy(0)).isTrue();
        assertThat(health.snapshot(0))
                .isEqualTo(new HealthSnapshot(true, true, false, 0, 0, 0, "initially healthy", 0));
    }

    @Test
    void setActiveHealthy_false_unhealthyAndListenerToldOnce() {
        health.setActiveHealthy(endpoint, false, "3 failed probes: status 500", 42, listener);
        health.setActiveHealthy(endpoint, false, "3 failed probes: status 503", 43, listener);

        assertThat(health.isHealthy(100)).isFalse();
        assertThat(health.snapshot(100))
                .isEqualTo(new HealthSnapshot(false, false, false, 0, 0, 0, "3 failed probes: status 500", 42));
        assertThat(listener.changes())
                .containsExactly(new RecordingListener.Change(endpoint, false, "3 failed probes: status 500", 0));
    }

    @Test
    void setActiveHealthy_backToTrue_healthyAndListenerTold() {
        health.setActiveHealthy(endpoint, false, "3 failed probes: status 500", 1, listener);

        health.setActiveHealthy(endpoint, true, "2 passed probes", 2, listener);

        assertThat(health.isHealthy(3)).isTrue();
        assertThat(listener.verdicts()).containsExactly(false, true);
    }

    @Test
    void endpointAccessor_sameObjectEveryTime() {
        assertThat(endpoint.health()).isSameAs(health);
    }
}
