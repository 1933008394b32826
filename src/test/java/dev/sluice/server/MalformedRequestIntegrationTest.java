package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.GatewayHarness;
import dev.sluice.testing.RawHttp;
import dev.sluice.testing.TestUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sends every request of the HTTP conformance corpus ({@code src/test/resources/corpus/http/*.http}) over a raw
 * socket to a real gateway in front of a real {@link TestUpstream}, and checks the verdict recorded in the file.
 *
 * <p>File format: directive lines, a line {@code ---}, then the raw request. Lines starting with {@code #} before
 * the separator are comments. In the raw part the file's own line breaks are ignored; {@code \r}, {@code \n},
 * {@code \t}, {@code \xNN} and {@code \\} stand for CR, LF, HTAB, the byte 0xNN and a backslash, so every byte on
 * the wire is visible. Directives:
 * <ul>
 *   <li>{@code expect: 400} or {@code expect: 200 200 200}: the statuses of the responses, in order;
 *   <li>{@code forwarded: N}: requests the upstream must receive (default: 0 when the first status is not 2xx,
 *       else the number of expected responses);
 *   <li>{@code connects: maybe}: the upstream may see a connection open (the head was valid, only the body
 *       framing was not); by default it must see none when nothing is forwarded.
 * </ul>
 * Every rejected case also runs with a valid request pipelined behind it in the same write: that request must
 * never be processed. Every case must end with the gateway closing the connection (accepted cases end with
 * {@code Connection: close} or HTTP/1.0).
 */
class MalformedRequestIntegrationTest {
    private static final String PIPELINED = "GET /pipelined HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    private static final Map<Integer, String> CODES = Map.of(400, "bad_request", 408, "request_timeout",
            413, "body_too_large", 414, "uri_too_long", 417, "expectation_failed", 431, "headers_too_large");
    // Small limits so the 413/414/431 cases stay short; 5s header timeout so a case that hangs fails clearly.
    private static final String CONFIG = """
            server:
              listen: 127.0.0.1:0
              max_request_line_length: 256
              max_header_size: 1024
              request_header_timeout: 5s
            upstreams:
              u: { targets: [ { url: "${UP}" } ] }
            routes:
              - { id: all, match: { path_prefix: / }, upstream: u, max_body_size: 64 }
            """;

    static Stream<Arguments> corpus() throws IOException, URISyntaxException {
        final URL dir = MalformedRequestIntegrationTest.class.getResource("/corpus/http");
        assertThat(dir).as("corpus directory on the test classpath").isNotNull();
        final List<Arguments> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()))) {
            for (final Path file : files.filter(f -> f.toString().endsWith(".http")).sorted().toList()) {
                final Case c = Case.parse(file);
                cases.add(Arguments.of(c.name(), c, false));
                if (c.isRejected()) {
                    cases.add(Arguments.of(c.name() + " +pipelined", c, true));
                }
            }
        }
        return cases.stream();
    }

    @Test
    void corpus_onClasspath_hasRejectedAndAcceptedCases() throws IOException, URISyntaxException {
        final List<Case> all = corpus().map(a -> (Case) a.get()[1]).distinct().toList();
        assertThat(all.stream().filter(Case::isRejected).count()).isGreaterThanOrEqualTo(30);
        assertThat(all.stream().filter(c -> !c.isRejected()).count()).isGreaterThanOrEqualTo(6);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void exchange_corpusCase_givesRecordedVerdict(final String name, final Case c, final boolean pipelined)
            throws Exception {
        try (TestUpstream up = TestUpstream.start("up");
             GatewayHarness gw = GatewayHarness.start(CONFIG, Map.of("UP", up.url()))) {
            final byte[] bytes = pipelined ? concat(c.request(), PIPELINED.getBytes(StandardCharsets.ISO_8859_1))
                    : c.request();
            final RawHttp.Result r = RawHttp.exchange(gw.port(), bytes, 8000);

            assertThat(statuses(r.response())).as("response statuses; got:\n%s", r.response())
                    .isEqualTo(c.statuses());
            assertThat(r.closed()).as("gateway closed the connection").isTrue();
            final String code = CODES.get(c.statuses().get(0));
            if (c.isRejected() && code != null) {
                assertThat(r.response()).contains("\"code\":\"" + code + "\"");
            }
            assertThat(up.requests()).as("requests the upstream received").isEqualTo(c.forwarded());
            if (c.forwarded() == 0 && !c.connectsMaybe()) {
                assertThat(up.connections()).as("connections the upstream accepted").isZero();
            }
            if (!c.isRejected()) {
                assertThat(up.received()).extracting(TestUpstream.Received::uri).doesNotContain("/pipelined");
            }
        }
    }

    private static List<Integer> statuses(final String response) {
        final List<Integer> out = new ArrayList<>();
        final Matcher m = STATUS_LINE.matcher(response);
        while (m.find()) {
            out.add(Integer.parseInt(m.group(1)));
        }
        return out;
    }

    private static byte[] concat(final byte[] a, final byte[] b) {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** One corpus file. */
    record Case(String name, List<Integer> statuses, int forwarded, boolean connectsMaybe, byte[] request) {
        boolean isRejected() {
            return statuses.get(0) >= 400;
        }

        @Override
        public String toString() {
            return name;
        }

        static Case parse(final Path file) throws IOException {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<Integer> statuses = null;
            Integer forwarded = null;
            boolean connectsMaybe = false;
            int i = 0;
            for (; i < lines.size() && !lines.get(i).equals("---"); i++) {
                final String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                final int colon = line.indexOf(':');
                assertThat(colon).as("%s:%d is a directive", file.getFileName(), i + 1).isPositive();
                final String key = line.substring(0, colon).strip();
                final String value = line.substring(colon + 1).strip();
                switch (key) {
                    case "expect" -> statuses = Arrays.stream(value.split("\\s+")).map(Integer::valueOf).toList();
                    case "forwarded" -> forwarded = Integer.valueOf(value);
                    case "connects" -> connectsMaybe = value.equals("maybe");
                    default -> throw new AssertionError(file.getFileName() + ":" + (i + 1) + ": unknown " + key);
                }
            }
            assertThat(statuses).as("%s has an expect: line", file.getFileName()).isNotNull();
            assertThat(i).as("%s has a --- line", file.getFileName()).isLessThan(lines.size());
            final StringBuilder raw = new StringBuilder();
            for (i++; i < lines.size(); i++) {
                raw.append(lines.get(i));
            }
            final String fileName = file.getFileName().toString();
            final boolean rejected = statuses.get(0) >= 400;
            final int fwd = forwarded != null ? forwarded : rejected ? 0 : statuses.size();
            return new Case(fileName.substring(0, fileName.length() - ".http".length()), statuses, fwd,
                    connectsMaybe, unescape(raw.toString()));
        }

        private static byte[] unescape(final String s) {
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < s.length(); i++) {
                final char c = s.charAt(i);
                if (c != '\\' || i + 1 == s.length()) {
                    out.write(c);
                    continue;
                }
                final char e = s.charAt(++i);
                switch (e) {
                    case 'r' -> out.write('\r');
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case '\\' -> out.write('\\');
                    case 'x' -> {
                        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
                }
            }
            return out.toByteArray();
        }
    }
}
