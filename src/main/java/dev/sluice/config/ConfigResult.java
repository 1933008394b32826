package dev.sluice.config;

import dev.sluice.config.validate.ConfigProblem;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The outcome of loading a configuration: either a {@link Valid} config or an {@link Invalid} list of every problem.
 *
 * <pre>{@code
 * ConfigResult result = ConfigLoader.load(Path.of("gateway.yaml"));
 * if (result instanceof ConfigResult.Invalid invalid) {
 *     invalid.problems().forEach(p -> System.err.println(p));   // routes[2].match.path: must start with "/"
 * } else {
 *     holder.swap(compiler.compile(result.config()));
 * }
 * }</pre>
 */
public sealed interface ConfigResult permits ConfigResult.Valid, ConfigResult.Invalid {
    /** Whether the configuration bound and validated without problems. */
    default boolean isValid() {
        return this instanceof Valid;
    }

    /** The valid configuration; throws {@link IllegalStateException} listing the problems if there were any. */
    GatewayConfig config();

    /** Every problem found, in document order; empty when valid. */
    List<ConfigProblem> problems();

    /** A configuration that bound and passed validation. */
    record Valid(GatewayConfig config) implements ConfigResult {
        public Valid {
            Objects.requireNonNull(config, "config");
        }

        @Override
        public List<ConfigProblem> problems() {
            return List.of();
        }
    }

    /** A rejected configuration and everything wrong with it; the list is never empty. */
    record Invalid(List<ConfigProblem> problems) implements ConfigResult {
        public Invalid {
            problems = List.copyOf(problems);
            if (problems.isEmpty()) {
                throw new IllegalArgumentException("problems: [] (expected: at least one problem)");
            }
        }

        @Override
        public GatewayConfig config() {
            throw new IllegalStateException("configuration is invalid: " + problems.stream()
                    .map(ConfigProblem::toString).collect(Collectors.joining("; ")));
        }
    }
}
