package dev.sluice.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The access log line: valid JSON, escaped values, absent values left out, retries derived from attempts. */
class AccessLogTest {
    private static AccessLogRecord record(String uri, int attempts, String error, long upstreamNanos) {
        return new AccessLogRecord() {
            public String requestId() { return "rid-1"; }
            public String clientIp() { return "10.0.0.7"; }
            public String method() { return "GET"; }
            public String host() { return "api.example.com"; }
            public String uri() { return uri; }
            public int responseStatus() { return 502; }
            public String routeId() { return "users"; }
            public String upstreamName() { return attempts == 0 ? null : "users"; }
            public String endpointKey() { return attempts == 0 ? null : "10.0.0.5:9001"; }
            public int attempts() { return attempts; }
            public String errorCode() { return error; }
            public String fallbackReason() { return null; }
            public long durationNanos() { return 3_402_999; }
            public long upstreamNanos() { return upstreamNanos; }
        };
    }

    @Test
    void format_retriedRequest_isOneJsonObjectWithEveryField() throws Exception {
        final String line = AccessLog.format(record("/users/42?q=\"x\"", 3, "upstream_reset", 1_210_000),
                Instant.parse("2026-12-03T21:00:00.123Z"));
        final JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("time").asText()).isEqualTo("2026-12-03T21:00:00.123Z");
        assertThat(json.get("uri").asText()).isEqualTo("/users/42?q=\"x\"");
        assertThat(json.get("status").asInt()).isEqualTo(502);
        assertThat(json.get("attempts").asInt()).isEqualTo(3);
        assertThat(json.get("retries").asInt()).isEqualTo(2);
        assertThat(json.get("error").asText()).isEqualTo("upstream_reset");
        assertThat(json.get("duration_ms").decimalValue()).isEqualByComparingTo("3.402");
        assertThat(json.get("upstream_ms").decimalValue()).isEqualByComparingTo("1.210");
        assertThat(line).doesNotContain("\n");
    }

    @Test
    void format_localAnswer_leavesOutUpstreamFields() throws Exception {
        final JsonNode json = new ObjectMapper().readTree(AccessLog.format(record("/", 0, null, -1), Instant.EPOCH));
        assertThat(json.has("upstream")).isFalse();
        assertThat(json.has("attempts")).isFalse();
        assertThat(json.has("upstream_ms")).isFalse();
        assertThat(json.has("error")).isFalse();
    }
}
