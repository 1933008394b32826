package dev.sluice.config;

import java.util.Map;

/**
 * A fixed response a route answers with, for mocks, maintenance pages and demos.
 *
 * @param status  HTTP status, 100..599 (default 200)
 * @param headers response headers
 * @param body    response body text (UTF-8), may be empty
 */
public record StaticResponseSpec(int status, Map<String, String> headers, String body) {
    public StaticResponseSpec {
        status = status == 0 ? 200 : status;
        headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        body = body == null ? "" : body;
    }
}
