package dev.sluice.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.config.validate.ConfigPath;
import dev.sluice.config.validate.ConfigProblem;
import dev.sluice.config.validate.ConfigValidator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns configuration text into a validated {@link GatewayConfig} or the complete list of what is wrong with it.
 *
 * <p>Steps: YAML is parsed into a tree; {@code ${VAR}} references in string scalars are interpolated on that tree;
 * routes without an {@code id} get {@code route-<index>}; the tree is bound to the records with Jackson (unknown keys
 * are errors); the result is checked by {@link ConfigValidator}. Every step collects problems instead of stopping,
 * so an operator sees all mistakes in one run. Semantic problems under a place that already failed to bind are
 * dropped, because they would only echo the binding problem.
 *
 * <pre>{@code
 * ConfigResult result = ConfigLoader.parse(yaml, "admin-api", System::getenv);
 * }</pre>
 *
 * <p>Threading: stateless and thread-safe. Never throws for bad input; only a {@code null} argument throws.
 */
public final class ConfigLoader {
    /** Larger files are refused before parsing; a gateway config is kilobytes, this bounds memory for bad input. */
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private static final ConfigValidator VALIDATOR = new ConfigValidator();

    private ConfigLoader() {
    }

    /** Reads, interpolates from the process environment, binds and validates {@code file}. */
    public static ConfigResult load(Path file) {
        Objects.requireNonNull(file, "file");
        final String origin = file.toString();
        final byte[] bytes;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                return invalid("", origin + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return invalid("", "cannot read " + origin + ": " + e);
        }
        final String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return invalid("", origin + " is not valid UTF-8");
        }
        return parse(text, origin, System::getenv);
    }

    /**
     * Parses configuration text.
     *
     * @param yaml   the YAML document
     * @param origin where it came from, used in document-level messages (a file name, {@code admin-api})
     * @param env    looks up environment variables for interpolation; returns {@code null} for unset
     */
    public static ConfigResult parse(String yaml, String origin, Function<String, String> env) {
        Objects.requireNonNull(yaml, "yaml");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(env, "env");
        try {
            return parseTree(yaml, origin, env);
        } catch (RuntimeException | StackOverflowError e) {
            // A bug or a parser limit we did not anticipate: still an answer, never a crash of the reload thread.
            return invalid("", origin + ": cannot parse configuration: " + e);
        }
    }

    private static ConfigResult parseTree(String yaml, String origin, Function<String, String> env) {
        final JsonNode tree;
        try (JsonParser parser = ConfigBinder.mapper().createParser(yaml)) {
            tree = ConfigBinder.mapper().readTree(parser);
            if (tree != null && parser.nextToken() != null) {
                return invalid("", origin + " holds more than one YAML document (expected exactly one)");
            }
        } catch (JsonProcessingException e) {
            return invalid("", syntaxMessage(origin, e));
        } catch (IOException e) {
            return invalid("", origin + ": cannot read configuration: " + e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return invalid("", origin + " is empty (expected a mapping with server, upstreams and routes)");
        }
        if (!tree.isObject()) {
            return invalid("", origin + ": expected a mapping at the top level, got "
                    + (tree.isArray() ? "a list" : "\"" + tree.asText() + "\""));
        }
        final List<ConfigProblem> problems = new ArrayList<>(new Interpolator(env).apply(tree));
        defaultRouteIds(tree);
        final GatewayConfig config = ConfigBinder.bind(tree, problems);
        final List<ConfigProblem> bindingProblems = List.copyOf(problems);
        // A list element that failed to bind was dropped, so later elements moved up: validating that config would
        // report their problems at the wrong index. Report binding problems alone in that case.
        final boolean indexesShifted = bindingProblems.stream().anyMatch(p -> p.path().endsWith("]"));
        if (config != null && !indexesShifted) {
            for (final ConfigProblem problem : VALIDATOR.validate(config)) {
                if (bindingProblems.stream().noneMatch(b -> ConfigPath.isWithin(problem.path(), b.path()))) {
                    problems.add(problem);
                }
            }
        }
        if (!problems.isEmpty()) {
            return new ConfigResult.Invalid(problems);
        }
        if (config == null) {
            return invalid("", origin + ": configuration could not be bound");
        }
        return new ConfigResult.Valid(config);
    }

    /** Gives every route mapping without an id (or with an empty value) the id {@code route-<index>}. */
    private static void defaultRouteIds(JsonNode tree) {
        final JsonNode routes = tree.get("routes");
        if (!(routes instanceof ArrayNode)) {
            return;
        }
        for (int i = 0; i < routes.size(); i++) {
            final JsonNode route = routes.get(i);
            if (route instanceof ObjectNode && (route.get("id") == null || route.get("id").isNull())) {
                ((ObjectNode) route).set("id", TextNode.valueOf("route-" + i));
            }
        }
    }

    private static String syntaxMessage(String origin, JsonProcessingException e) {
        final JsonLocation location = e.getLocation();
        final String where = location == null || location.getLineNr() < 1 ? origin
                : origin + ":" + location.getLineNr() + ":" + location.getColumnNr();
        String reason = e.getOriginalMessage();
        // SnakeYAML's own message has a multi-line excerpt; its "problem" is the one-line reason.
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof org.yaml.snakeyaml.error.MarkedYAMLException) {
                reason = ((org.yaml.snakeyaml.error.MarkedYAMLException) cause).getProblem();
                break;
            }
        }
        if (reason != null && reason.startsWith("Duplicate field '")) {
            reason = "duplicate key \"" + reason.substring("Duplicate field '".length(),
                    Math.max(reason.lastIndexOf('\''), "Duplicate field '".length())) + "\"";
        }
        if (reason == null) {
            reason = e.getClass().getSimpleName();
        }
        final int newline = reason.indexOf('\n');
        return where + ": invalid YAML: " + (newline > 0 ? reason.substring(0, newline) : reason);
    }

    private static ConfigResult invalid(String path, String message) {
        return new ConfigResult.Invalid(List.of(new ConfigProblem(path, message)));
    }
}
