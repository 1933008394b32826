package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

class PathNormalizerFuzzTest {

    /** Random strings over the characters that matter to normalisation, plus any char now and then. */
    @Provide
    Arbitrary<String> paths() {
        final Arbitrary<String> tokens = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("/", ".", "..", "a", "b", "%", "%2e", "%2E", "%2f", "%41",
                        "%7e", "%00", "%4", "%zz", "%c3%a9", "~", "-", "_", "{", "}")),
                Tuple.of(1, Arbitraries.chars().map(String::valueOf)),
                Tuple.of(1, Arbitraries.chars().range('\u0000', '\u00ff').map(String::valueOf)));
        return tokens.list().ofMaxSize(24).map(parts -> String.join("", parts))
                .flatMap(s -> Arbitraries.of(s, "/" + s));
    }

    @Property(tries = 20_000)
    void normalize_randomInput_keepsInvariants(@ForAll("paths") final String input) {
        final String out = PathNormalizer.normalize(input);
        if (out == null) {
            return;
        }
        assertThat(out).startsWith("/");
        assertThat(out).doesNotContain("//", "/./", "/../");
        assertThat(out).doesNotEndWith("/.").doesNotEndWith("/..");
        assertThat(out.chars()).allMatch(c -> c > 0x20 && c < 0x7f);
        assertThat(PathNormalizer.normalize(out)).isSameAs(out);
    }

    @Property(tries = 5_000)
    void normalize_randomInput_leavesNoDotSegmentsOrUnreservedEscapes(@ForAll("paths") final String input) {
        final String out = PathNormalizer.normalize("/public/" + input);
        if (out == null) {
            return;
        }
        for (final String segment : out.substring(1).split("/", -1)) {
            assertThat(segment).isNotIn(".", "..");
        }
        // Unreserved escapes are decoded, so none may remain (%2E would hide a dot segment from routing).
        assertThat(out).doesNotContainPattern("%(2[DE]|5F|7E|3[0-9]|[46][1-9A-F]|[57][0-9A])");
    }
}
