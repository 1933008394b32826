package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A fixed response a route answers with, for mocks, maintenance pages and demos.
 *
 * <p>The canonical constructor keeps the status as given so an explicit {@code status: 0} is reported by the
 * validator instead of silently becoming 200.
 *
 * @param status  HTTP status, 200..599 (default 200)
 * @param headers response headers
 * @param body    response body text (UTF-8), may be empty
 */
public record StaticResponseSpec(int status, Map<String, String> headers, String body) {
    /** Status when the key is absent. */
    public static final int DEFAULT_STATUS = 200;

    public StaticResponseSpec {
        headers = headers == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        body = body == null ? "" : body;
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static StaticResponseSpec fromConfig(
            @JsonProperty("status") Integer status,
            @JsonProperty("headers") Map<String, String> headers,
            @JsonProperty("body") String body) {
        return new StaticResponseSpec(status == null ? DEFAULT_STATUS : status, headers, body);
    }
}
