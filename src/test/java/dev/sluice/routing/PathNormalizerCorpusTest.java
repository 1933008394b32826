package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the regression corpus in {@code src/test/resources/corpus/path/*.txt}.
 *
 * <p>Line format: {@code input<TAB>expected}, where expected is the normalised path or {@code REJECT}. In the input,
 * {@code \xNN} stands for the char 0xNN and {@code \\} for a backslash, so control characters stay visible. Blank
 * lines and lines starting with {@code #} are ignored.
 */
class PathNormalizerCorpusTest {

    static Stream<Arguments> corpus() throws IOException, URISyntaxException {
        final URL dir = PathNormalizerCorpusTest.class.getResource("/corpus/path");
        assertThat(dir).as("corpus directory on the test classpath").isNotNull();
        final List<Arguments> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            for (final Path file : files.sorted().toList()) {
                final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    final String line = lines.get(i);
                    if (line.isBlank() || line.startsWith("#")) {
                        continue;
                    }
                    final int tab = line.lastIndexOf('\t');
                    assertThat(tab).as("%s:%d has a TAB", file.getFileName(), i + 1).isPositive();
                    cases.add(Arguments.of(file.getFileName() + ":" + (i + 1), unescape(line.substring(0, tab)),
                            unescape(line.substring(tab + 1))));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void normalize_corpusEntry_givesRecordedResult(final String where, final String input, final String expected) {
        final String out = PathNormalizer.normalize(input);
        assertThat(out == null ? "REJECT" : out).as(where).isEqualTo(expected);
    }

    @Test
    void corpus_onClasspath_isNotEmpty() throws IOException, URISyntaxException {
        assertThat(corpus()).hasSizeGreaterThan(20);
    }

    private static String unescape(final String s) {
        final StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                out.append('\\');
                i++;
            } else if (c == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x') {
                out.append((char) Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
