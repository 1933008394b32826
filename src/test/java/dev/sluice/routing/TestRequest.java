package dev.sluice.routing;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A {@link RequestView} built in tests; header names are stored lower-case so lookups are case-insensitive. */
record TestRequest(String method, String host, String path, Map<String, String> headers, Map<String, String> query)
        implements RequestView {

    static TestRequest get(final String host, final String path) {
        return new TestRequest("GET", host, path, Map.of(), Map.of());
    }

    TestRequest withMethod(final String newMethod) {
        return new TestRequest(newMethod, host, path, headers, query);
    }

    TestRequest withHeader(final String name, final String value) {
        final Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name.toLowerCase(Locale.ROOT), value);
        return new TestRequest(method, host, path, copy, query);
    }

    TestRequest withQuery(final String name, final String value) {
        final Map<String, String> copy = new LinkedHashMap<>(query);
        copy.put(name, value);
        return new TestRequest(method, host, path, headers, copy);
    }

    @Override
    public String header(final CharSequence name) {
        // Tests use lower-case names already; avoid allocating on the hot path of allocation tests.
        return headers.get(name.toString());
    }

    @Override
    public String queryParam(final String name) {
        return query.get(name);
    }
}
