package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Feeds mutated and random YAML to {@link ConfigLoader#parse} and checks it always answers instead of throwing.
 *
 * <p>Mutations (delete, duplicate, swap, insert a YAML-significant character) of a full valid sample reach the
 * binding and validation stages far more often than random text, which mostly dies in the YAML parser. Inputs that
 * once broke the loader are kept in {@code src/test/resources/corpus/config/} and replayed by
 * {@link #parse_regressionCorpus_neverThrows()}.
 */
class ConfigLoaderFuzzTest {
    private static final Function<String, String> ENV = Map.of("GATEWAY_PORT", "8080")::get;
    private static final String SAMPLE = readSample();
    private static final String SIGNIFICANT = ":-[]{},#&*!|>'\"%@`$ \n\t?0123456789./\\~";

    @Property(tries = 600)
    void parse_mutatedSample_neverThrows(@ForAll("mutatedSamples") String yaml) {
        assertAnswers(yaml);
    }

    @Property(tries = 300)
    void parse_randomText_neverThrows(@ForAll("randomYamlish") String yaml) {
        assertAnswers(yaml);
    }

    @Example
    void parse_regressionCorpus_neverThrows() throws IOException, URISyntaxException {
        final Path corpus = Path.of(ConfigLoaderFuzzTest.class.getResource("/corpus/config").toURI());
        final List<Path> files;
        try (Stream<Path> listing = Files.list(corpus)) {
            files = listing.sorted().collect(Collectors.toList());
        }
        assertThat(files).isNotEmpty();
        for (final Path file : files) {
            assertAnswers(Files.readString(file, StandardCharsets.ISO_8859_1));
            assertThat(ConfigLoader.load(file)).as(file.toString()).isNotNull();
        }
    }

    @Provide
    Arbitrary<String> mutatedSamples() {
        final Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, SAMPLE.length() - 1),
                Arbitraries.integers().between(1, 40),
                Arbitraries.of(SIGNIFICANT.chars().mapToObj(c -> (char) c).toArray(Character[]::new)))
                .as(Mutation::new);
        return mutation.list().ofMinSize(1).ofMaxSize(8).map(mutations -> {
            String text = SAMPLE;
            for (final Mutation m : mutations) {
                text = m.apply(text);
            }
            return text;
        });
    }

    @Provide
    Arbitrary<String> randomYamlish() {
        return Arbitraries.strings().withChars(SIGNIFICANT + "abcsrvlitnupqwkey").ofMaxLength(200);
    }

    private static void assertAnswers(String yaml) {
        final ConfigResult result = ConfigLoader.parse(yaml, "fuzz.yaml", ENV);
        assertThat(result).isNotNull();
        assertThat(result.isValid() ? List.of() : result.problems()).isNotNull();
        if (!result.isValid()) {
            assertThat(result.problems()).isNotEmpty().allSatisfy(p -> assertThat(p.toString()).isNotBlank());
        }
    }

    private static String readSample() {
        try (InputStream in = ConfigLoaderFuzzTest.class.getResourceAsStream("/config/gateway-full.yaml")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the fuzz sample", e);
        }
    }

    /** One edit of the text: 0 delete a run, 1 duplicate a run, 2 swap two characters, 3 insert a character. */
    private static final class Mutation {
        private final int kind;
        private final int position;
        private final int length;
        private final char character;

        Mutation(int kind, int position, int length, char character) {
            this.kind = kind;
            this.position = position;
            this.length = length;
            this.character = character;
        }

        String apply(String text) {
            if (text.isEmpty()) {
                return String.valueOf(character);
            }
            final int at = position % text.length();
            final int end = Math.min(text.length(), at + length);
            switch (kind) {
                case 0:
                    return text.substring(0, at) + text.substring(end);
                case 1:
                    return text.substring(0, end) + text.substring(at, end) + text.substring(end);
                case 2:
                    if (end - at < 2) {
                        return text;
                    }
                    final char[] chars = text.toCharArray();
                    final char first = chars[at];
                    chars[at] = chars[end - 1];
                    chars[end - 1] = first;
                    return new String(chars);
                default:
                    return text.substring(0, at) + character + text.substring(at);
            }
        }
    }
}
