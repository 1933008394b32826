package dev.sluice.upstream.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/**
 * Active health check settings of one upstream; see {@code docs/health-checks.md}.
 *
 * <pre>{@code
 * final ActiveCheckSettings settings = ActiveCheckSettings.builder()
 *         .path("/health")
 *         .interval(Duration.ofSeconds(5))
 *         .expectedStatuses(List.of(StatusRange.parse("200-299"), StatusRange.parse("429")))
 *         .build();
 * }</pre>
 *
 * @param path               request target of the probe, e.g. {@code /health?deep=false}
 * @param host               {@code Host} header of the probe; null for the endpoint's {@code host:port}
 * @param interval           time from the end of one probe of an endpoint to the start of the next, before jitter
 * @param jitter             each interval is lengthened or shortened by a uniformly random amount up to this
 * @param timeout            how long a probe may take to connect and receive the response head
 * @param unhealthyThreshold failed probes in a row that make a healthy endpoint unhealthy
 * @param healthyThreshold   passed probes in a row that make an unhealthy endpoint healthy again
 * @param expectedStatuses   response statuses that pass the probe
 */
public record ActiveCheckSettings(String path, String host, Duration interval, Duration jitter, Duration timeout,
        int unhealthyThreshold, int healthyThreshold, List<StatusRange> expectedStatuses) {

    /** Validates every component and copies the status list. */
    public ActiveCheckSettings {
        requireNonNull(path, "path");
        if (!path.startsWith("/") || !isVisibleAscii(path)) {
            throw new IllegalArgumentException("path: " + path
                    + " (expected: starts with '/', printable ASCII without spaces)");
        }
        if (host != null && (host.isEmpty() || !isVisibleAscii(host))) {
            throw new IllegalArgumentException("host: " + host + " (expected: printable ASCII without spaces)");
        }
        requireNonNull(interval, "interval");
        requireNonNull(jitter, "jitter");
        requireNonNull(timeout, "timeout");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        if (jitter.isNegative() || jitter.compareTo(interval) >= 0) {
            throw new IllegalArgumentException("jitter: " + jitter + " (expected: >= 0 and < interval " + interval
                    + ")");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
        if (unhealthyThreshold < 1) {
            throw new IllegalArgumentException("unhealthyThreshold: " + unhealthyThreshold + " (expected: >= 1)");
        }
        if (healthyThreshold < 1) {
            throw new IllegalArgumentException("healthyThreshold: " + healthyThreshold + " (expected: >= 1)");
        }
        expectedStatuses = List.copyOf(requireNonNull(expectedStatuses, "expectedStatuses"));
        if (expectedStatuses.isEmpty()) {
            throw new IllegalArgumentException("expectedStatuses: [] (expected: at least one status)");
        }
    }

    /** Returns the defaults: {@code GET /} every 5 s ± 0.5 s, 1 s timeout, 3 to fail, 2 to recover, 200-399. */
    public static ActiveCheckSettings defaults() {
        return builder().build();
    }

    /** Returns a builder that starts from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether a response with {@code status} passes the probe. */
    public boolean isExpected(int status) {
        for (StatusRange range : expectedStatuses) {
            if (range.contains(status)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isVisibleAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            // Anything else could split the request line or a header: the value goes on the wire verbatim.
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * An inclusive range of HTTP status codes; a single code is a range of one.
     *
     * @param from lowest code in the range
     * @param to   highest code in the range
     */
    public record StatusRange(int from, int to) {
        /** Validates the bounds. */
        public StatusRange {
            if (from < 100 || from > 599) {
                throw new IllegalArgumentException("from: " + from + " (expected: 100..599)");
            }
            if (to < from || to > 599) {
                throw new IllegalArgumentException("to: " + to + " (expected: " + from + "..599)");
            }
        }

        /** Returns the range of the single code {@code status}. */
        public static StatusRange of(int status) {
            return new StatusRange(status, status);
        }

        /** Parses {@code "200"} or {@code "200-399"}. */
        public static StatusRange parse(String text) {
            requireNonNull(text, "text");
            final int dash = text.indexOf('-');
            try {
                return dash < 0 ? of(Integer.parseInt(text.trim()))
                        : new StatusRange(Integer.parseInt(text.substring(0, dash).trim()),
                                Integer.parseInt(text.substring(dash + 1).trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("status range: " + text
                        + " (expected: a code such as 200 or a range such as 200-399)", e);
            }
        }

        /** Returns whether {@code status} is in this range. */
        public boolean contains(int status) {
            return status >= from && status <= to;
        }

        @Override
        public String toString() {
            return from == to ? Integer.toString(from) : from + "-" + to;
        }
    }

    /** Builds {@link ActiveCheckSettings}; each setter overrides one default. */
    public static final class Builder {
        private String path = "/";
        private String host;
        private Duration interval = Duration.ofSeconds(5);
        private Duration jitter;
        private Duration timeout = Duration.ofSeconds(1);
        private int unhealthyThreshold = 3;
        private int healthyThreshold = 2;
        private List<StatusRange> expectedStatuses = List.of(new StatusRange(200, 399));

        private Builder() {
        }

        public Builder path(String value) {
            this.path = value;
            return this;
        }

        /** Sets the {@code Host} header; null (the default) sends the endpoint's {@code host:port}. */
        public Builder host(String value) {
            this.host = value;
            return this;
        }

        public Builder interval(Duration value) {
            this.interval = value;
            return this;
        }

        /** Sets the jitter; by default it is a tenth of the interval. */
        public Builder jitter(Duration value) {
            this.jitter = value;
            return this;
        }

        public Builder timeout(Duration value) {
            this.timeout = value;
            return this;
        }

        public Builder unhealthyThreshold(int value) {
            this.unhealthyThreshold = value;
            return this;
        }

        public Builder healthyThreshold(int value) {
            this.healthyThreshold = value;
            return this;
        }

        public Builder expectedStatuses(List<StatusRange> value) {
            this.expectedStatuses = value;
            return this;
        }

        /** Validates and returns the settings. */
        public ActiveCheckSettings build() {
            // A tenth: enough to spread a fleet's probes over time, small enough to keep the interval meaningful.
            final Duration j = jitter != null ? jitter : interval == null ? Duration.ZERO : interval.dividedBy(10);
            return new ActiveCheckSettings(path, host, interval, j, timeout, unhealthyThreshold, healthyThreshold,
                    expectedStatuses);
        }
    }
}
