package dev.sluice.config.validate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigResult;
import dev.sluice.config.RateLimitSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Route policies: binding of the one-key form and the rate-limit rules, each problem reported by path. */
class PolicyValidationTest {
    private static ConfigResult parse(String policies) {
        return ConfigLoader.parse("""
                routes:
                  - id: r
                    match: { path_prefix: /api }
                    static_response: { status: 200 }
                    policies:
                """ + policies.indent(6), "test", Map.<String, String>of()::get);
    }

    private static List<String> problems(String policies) {
        return parse(policies).problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void rateLimit_fullSpec_bindsWithDefaults() {
        final ConfigResult result = parse("- rate_limit: { algorithm: token_bucket, rate: 100/s, burst: 50 }");

        assertThat(result.problems()).isEmpty();
        final RateLimitSpec spec = (RateLimitSpec) result.config().routes().get(0).policies().get(0);
        assertThat(spec.name()).isEqualTo("token_bucket");
        assertThat(spec.key()).containsExactly("route");
        assertThat(spec.scope()).isEqualTo(RateLimitSpec.Scope.LOCAL);
        assertThat(spec.status()).isEqualTo(429);
        assertThat(spec.burst()).isEqualTo(50);
    }

    @Test
    void unknownPolicyType_isReportedWithKnownTypes() {
        assertThat(problems("- rate_limt: { algorithm: token_bucket, rate: 1/s }"))
                .containsExactly("routes[0].policies[0]: unknown policy \"rate_limt\" (expected one of: rate_limit)");
    }

    @Test
    void unknownAlgorithm_listsAlgorithms() {
        assertThat(problems("- rate_limit: { algorithm: fastest, rate: 1/s }")).singleElement().asString()
                .startsWith("routes[0].policies[0].rate_limit.algorithm: \"fastest\" is not valid (expected one of:"
                        + " token_bucket, leaky_bucket");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            missing rate          | { algorithm: fixed_window }                                  | rate: is required for fixed_window
            zero permits          | { algorithm: fixed_window, rate: 0/s }                       | rate: "0/s" allows no requests
            concurrency no limit  | { algorithm: concurrency }                                   | limit: is required for concurrency
            concurrency with rate | { algorithm: concurrency, limit: 2, rate: 1/s }              | rate: does not apply to concurrency
            limit on a window     | { algorithm: fixed_window, rate: 1/s, limit: 3 }             | limit: applies only to concurrency
            burst on a window     | { algorithm: sliding_window, rate: 1/s, burst: 3 }           | burst: applies only to token_bucket
            negative burst        | { algorithm: token_bucket, rate: 1/s, burst: -1 }            | burst: -1 (expected: >= 0)
            nodelay not leaky     | { algorithm: token_bucket, rate: 1/s, nodelay: true }        | nodelay: applies only to leaky_bucket
            delay beyond burst    | { algorithm: leaky_bucket, rate: 1/s, burst: 2, delay: 3 }   | delay: 3 (expected: 0..burst)
            delay with nodelay    | { algorithm: leaky_bucket, rate: 1/s, burst: 2, delay: 1, nodelay: true } | delay: cannot be combined with nodelay
            bad key part          | { algorithm: fixed_window, rate: 1/s, key: [ip] }            | key[0]: "ip" is not a key part
            empty header name     | { algorithm: fixed_window, rate: 1/s, key: ["header:"] }     | key[0]: "header:" is not a key part
            cluster without redis | { algorithm: fixed_window, rate: 1/s, scope: cluster }       | scope: cluster needs cluster.redis
            cluster concurrency   | { algorithm: concurrency, limit: 1, scope: cluster }         | scope: concurrency limits are local only
            status not an error   | { algorithm: fixed_window, rate: 1/s, status: 200 }          | status: 200 (expected: 400..599)
            bad name              | { name: "a b", algorithm: fixed_window, rate: 1/s }          | name: "a b" may contain only
            """)
    void rateLimit_invalid_isReportedAtItsPath(String description, String spec, String expected) {
        assertThat(problems("- rate_limit: " + spec)).anySatisfy(p ->
                assertThat(p).startsWith("routes[0].policies[0].rate_limit." + expected));
    }

    @Test
    void duplicateNames_secondIsReported() {
        assertThat(problems("""
                - rate_limit: { algorithm: fixed_window, rate: 1/s }
                - rate_limit: { algorithm: fixed_window, rate: 5/m }
                """)).containsExactly("routes[0].policies[1].rate_limit.name: \"fixed_window\" is used by another"
                + " policy of this route (expected unique names; set name: on one of them)");
    }

    @Test
    void severalPolicies_everyProblemReported() {
        assertThat(problems("""
                - rate_limit: { algorithm: fixed_window }
                - rate_limit: { name: b, algorithm: concurrency }
                """)).hasSize(2);
    }
}
