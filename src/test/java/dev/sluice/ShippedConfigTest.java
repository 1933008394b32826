package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.runtime.SnapshotCompiler;
import dev.sluice.runtime.StateRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The configuration files that ship with the project load, validate and compile. */
class ShippedConfigTest {
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"examples/quickstart.yaml", "bench/gateway.yaml", "bench/gateway-ratelimit.yaml",
        "bench/gateway-ratelimit-cluster.yaml", "bench/gateway-resilience.yaml", "deploy/gateway.yaml"})
    void shippedFile_isValidAndCompiles(String file) throws Exception {
        final String text = java.nio.file.Files.readString(Path.of(file));
        final ConfigResult result = ConfigLoader.parse(text, file, Map.<String, String>of()::get);

        assertThat(result.problems()).isEmpty();
        assertThat(new SnapshotCompiler(new StateRegistry()).compile(result.config()).problems()).isEmpty();
    }
}
