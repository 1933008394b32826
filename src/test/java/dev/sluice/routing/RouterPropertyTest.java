package dev.sluice.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.MatchSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Router results equal a naive reference matcher: a linear scan that computes the documented precedence key for every
 * matching route from the definitions alone and sorts by it.
 */
class RouterPropertyTest {

    private static final List<String> HOST_PATTERNS = List.of("a.io", "x.a.io", "*.a.io", "*.x.a.io", "b.io");
    private static final List<String> REQUEST_HOSTS = List.of("a.io", "x.a.io", "y.x.a.io", "b.io", "c.io", "");
    private static final List<String> REGEXES = List.of("/a/.*", "/(?<s>[ab])(/.*)?", ".*b", "/[abc]+");
    private static final List<String> TEMPLATE_SEGMENTS = List.of("a", "b", "{}");
    private static final List<String> PATH_SEGMENTS = List.of("a", "b", "c");
    private static final Arbitrary<String> CONDITION_VALUES =
            Arbitraries.frequency(Tuple.of(8, ""), Tuple.of(1, "1"), Tuple.of(1, "*"), Tuple.of(1, "~[12]"));
    /** The documented precedence order, best first. */
    private static final Comparator<Candidate> PRECEDENCE = Comparator
            .comparingInt((Candidate c) -> -c.priority)
            .thenComparingInt(c -> -c.hostScore)
            .thenComparingInt(c -> -c.tier)
            .thenComparingInt(c -> -c.pathScore)
            .thenComparing((a, b) -> compareLiterals(b.literals, a.literals))
            .thenComparingInt(c -> -c.conditions)
            .thenComparingInt(c -> c.index);

    @Provide
    Arbitrary<List<RouteDefinition<String>>> routeSets() {
        final Arbitrary<MatchSpec> spec = Combinators.combine(
                Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(List.<String>of())),
                        Tuple.of(2, Arbitraries.of(HOST_PATTERNS).list().ofMinSize(1).ofMaxSize(2).uniqueElements())),
                Arbitraries.frequency(Tuple.of(1, 0), Tuple.of(4, 1), Tuple.of(4, 2), Tuple.of(1, 3)),
                Arbitraries.of(TEMPLATE_SEGMENTS).list().ofMaxSize(3),
                Arbitraries.integers().between(0, 3),
                Arbitraries.of(REGEXES),
                Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(List.<String>of())),
                        Tuple.of(1, Arbitraries.of("GET", "post", "DELETE").list().ofMinSize(1).ofMaxSize(2)
                                .uniqueElements())),
                CONDITION_VALUES,
                CONDITION_VALUES)
                .as(RouterPropertyTest::spec);
        // Sparse priorities and conditions make ties on the earlier keys common, so the later keys get exercised.
        final Arbitrary<Integer> priorities = Arbitraries.frequency(Tuple.of(6, 0), Tuple.of(1, 1), Tuple.of(1, 2));
        final Arbitrary<RouteDefinition<String>> route = Combinators.combine(priorities, spec)
                .as((priority, m) -> new RouteDefinition<>("?", priority, m, "?"));
        return route.list().ofMinSize(1).ofMaxSize(12).map(list -> {
            final List<RouteDefinition<String>> named = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                named.add(new RouteDefinition<>("r" + i, list.get(i).priority(), list.get(i).match(), "r" + i));
            }
            return named;
        });
    }

    @Provide
    Arbitrary<TestRequest> requests() {
        return Combinators.combine(
                Arbitraries.of(REQUEST_HOSTS),
                Arbitraries.of(PATH_SEGMENTS).list().ofMaxSize(4),
                Arbitraries.of(true, false),
                Arbitraries.of("GET", "POST"),
                Arbitraries.of("", "1", "2"),
                Arbitraries.of("", "1", "2"))
                .as((host, segments, trailing, method, header, query) -> {
                    final String path = "/" + String.join("/", segments) + (trailing && !segments.isEmpty() ? "/" : "");
                    TestRequest r = new TestRequest(method, host, path, Map.of(), Map.of());
                    r = header.isEmpty() ? r : r.withHeader("x-k", header);
                    return query.isEmpty() ? r : r.withQuery("q", query);
                });
    }

    @Property(tries = 5_000)
    void match_randomRoutesAndRequest_equalsReferenceMatcher(
            @ForAll("routeSets") final List<RouteDefinition<String>> routes,
            @ForAll("requests") final TestRequest request) throws RouteCompileException {
        final Router<String> router = Router.compile(routes);
        final RouteMatch<String> actual = router.match(request);
        final Candidate expected = reference(routes, request);
        if (expected == null) {
            assertThat(actual).isNull();
            return;
        }
        assertThat(actual).isNotNull();
        assertThat(actual.routeId()).isEqualTo(expected.id);
        assertThat(actual.captures()).isEqualTo(expected.captures);
    }

    private static MatchSpec spec(final List<String> hosts, final int kind, final List<String> segments,
            final int flags, final String regex, final List<String> methods, final String header,
            final String query) {
        final StringBuilder template = new StringBuilder();
        for (int i = 0; i < segments.size(); i++) {
            final String s = segments.get(i);
            template.append('/').append("{}".equals(s) ? "{p" + i + "}" : s);
        }
        final boolean trailing = (flags & 1) != 0;
        final boolean catchAll = (flags & 2) != 0;
        String path = null;
        String prefix = null;
        String pathRegex = null;
        if (kind == 1) {
            if (catchAll) {
                template.append("/{*rest}");
            } else if (trailing || template.length() == 0) {
                template.append('/');
            }
            path = template.toString();
        } else if (kind == 2) {
            prefix = template.length() == 0 ? "/" : template + (trailing ? "/" : "");
        } else if (kind == 3) {
            pathRegex = regex;
        }
        final Map<String, String> headers = header.isEmpty() ? Map.of() : Map.of("X-K", header);
        final Map<String, String> queries = query.isEmpty() ? Map.of() : Map.of("q", query);
        return new MatchSpec(hosts, path, prefix, pathRegex, methods, headers, queries);
    }

    // ---- the reference matcher: written from the documented rules, sharing no code with the router ----

    private static Candidate reference(final List<RouteDefinition<String>> routes, final TestRequest request) {
        final List<Candidate> matching = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            final Candidate c = evaluate(routes.get(i), i, request);
            if (c != null) {
                matching.add(c);
            }
        }
        matching.sort(PRECEDENCE);
        return matching.isEmpty() ? null : matching.get(0);
    }

    private static Candidate evaluate(final RouteDefinition<String> def, final int index, final TestRequest r) {
        final MatchSpec m = def.match();
        int hostScore = -1;
        if (!m.hosts().isEmpty()) {
            hostScore = Integer.MIN_VALUE;
            for (final String pattern : m.hosts()) {
                final String p = pattern.toLowerCase(Locale.ROOT);
                if (p.startsWith("*.")) {
                    final String suffix = p.substring(1);
                    if (r.host().endsWith(suffix) && r.host().length() > suffix.length()) {
                        hostScore = Math.max(hostScore, suffix.length());
                    }
                } else if (p.equals(r.host())) {
                    hostScore = Integer.MAX_VALUE;
                }
            }
            if (hostScore == Integer.MIN_VALUE) {
                return null;
            }
        }
        if (!m.methods().isEmpty() && m.methods().stream().noneMatch(x -> x.equalsIgnoreCase(r.method()))) {
            return null;
        }
        for (final Map.Entry<String, String> h : m.headers().entrySet()) {
            if (!valueMatches(h.getValue(), r.headers().get(h.getKey().toLowerCase(Locale.ROOT)))) {
                return null;
            }
        }
        for (final Map.Entry<String, String> q : m.query().entrySet()) {
            if (!valueMatches(q.getValue(), r.query().get(q.getKey()))) {
                return null;
            }
        }
        final int conditions = (m.methods().isEmpty() ? 0 : 1) + m.headers().size() + m.query().size();
        final List<String> segments = List.of(r.path().substring(1).split("/", -1));
        final Map<String, String> captures = new LinkedHashMap<>();
        if (m.pathRegex() != null) {
            final Matcher matcher = Pattern.compile(m.pathRegex()).matcher(r.path());
            if (!matcher.matches()) {
                return null;
            }
            if (m.pathRegex().contains("(?<s>") && matcher.group("s") != null) {
                captures.put("s", matcher.group("s"));
            }
            return new Candidate(def.id(), index, def.priority(), hostScore, 2, 0, List.of(), conditions, captures);
        }
        if (m.path() == null && m.pathPrefix() == null) {
            return new Candidate(def.id(), index, def.priority(), hostScore, 1, 0, List.of(), conditions, captures);
        }
        final boolean isPrefix = m.pathPrefix() != null || m.path().endsWith("/{*rest}");
        String template = m.path() != null ? m.path() : m.pathPrefix();
        if (template.endsWith("/{*rest}")) {
            template = template.substring(0, template.length() - "/{*rest}".length());
        } else if (isPrefix && template.endsWith("/")) {
            template = template.substring(0, template.length() - 1);
        }
        final List<String> t = template.isEmpty() ? List.of() : List.of(template.substring(1).split("/", -1));
        if (isPrefix ? segments.size() < t.size() : segments.size() != t.size()) {
            return null;
        }
        final List<Boolean> literals = new ArrayList<>();
        for (int i = 0; i < t.size(); i++) {
            final boolean literal = !t.get(i).startsWith("{");
            literals.add(literal);
            if (literal ? !t.get(i).equals(segments.get(i)) : segments.get(i).isEmpty()) {
                return null;
            }
            if (!literal) {
                captures.put(t.get(i).substring(1, t.get(i).length() - 1), segments.get(i));
            }
        }
        if (m.path() != null && m.path().endsWith("/{*rest}")) {
            captures.put("rest", String.join("/", segments.subList(t.size(), segments.size())));
        }
        final int literalCount = (int) literals.stream().filter(b -> b).count();
        final int tier = isPrefix ? 3 : literalCount == t.size() ? 5 : 4;
        final int score = isPrefix ? t.size() : literalCount;
        return new Candidate(def.id(), index, def.priority(), hostScore, tier, score, literals, conditions, captures);
    }

    private static boolean valueMatches(final String expected, final String actual) {
        if (actual == null) {
            return false;
        }
        if ("*".equals(expected)) {
            return true;
        }
        if (expected.startsWith("~")) {
            return actual.matches(expected.substring(1));
        }
        return expected.equals(actual);
    }

    /** Positive when {@code a} has a literal at the first position where the two differ. */
    private static int compareLiterals(final List<Boolean> a, final List<Boolean> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                return a.get(i) ? 1 : -1;
            }
        }
        return 0;
    }

    /** The documented precedence key of one matching route, plus what the match should contain. */
    record Candidate(String id, int index, int priority, int hostScore, int tier, int pathScore,
            List<Boolean> literals, int conditions, Map<String, String> captures) {
    }
}
