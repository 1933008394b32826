package dev.sluice.observability;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per finished request to the {@code sluice.access} logger, which the shipped logback
 * configuration sends through an asynchronous appender to stdout (the event loop formats the line and queues it;
 * it never does I/O, and a full queue drops lines rather than blocking).
 *
 * <pre>{@code
 * {"time":"2026-12-03T21:00:00.123Z","request_id":"...","client_ip":"10.0.0.7","method":"GET","host":"api",
 *  "uri":"/users/42","status":200,"route":"users","upstream":"users","endpoint":"10.0.0.5:9001","attempts":2,
 *  "retries":1,"duration_ms":3.402,"upstream_ms":1.210}
 * }</pre>
 */
public final class AccessLog {
    /** Writes nothing. */
    public static final AccessLog DISABLED = new AccessLog(false);
    /** Writes to the {@code sluice.access} logger. */
    public static final AccessLog ENABLED = new AccessLog(true);

    private static final Logger log = LoggerFactory.getLogger("sluice.access");
    private static final JsonStringEncoder JSON = JsonStringEncoder.getInstance();

    private final boolean enabled;

    private AccessLog(boolean enabled) {
        this.enabled = enabled;
    }

    public static AccessLog of(boolean enabled) {
        return enabled ? ENABLED : DISABLED;
    }

    public boolean isEnabled() {
        return enabled && log.isInfoEnabled();
    }

    /** Logs {@code record} if enabled. Event loop safe: no I/O. */
    public void write(AccessLogRecord record) {
        if (isEnabled()) {
            log.info(format(record, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        }
    }

    /** The JSON line for {@code record}; absent values are left out. */
    static String format(AccessLogRecord r, Instant time) {
        final StringBuilder b = new StringBuilder(256);
        b.append("{\"time\":\"").append(time).append('"');
        string(b, "request_id", r.requestId());
        string(b, "client_ip", r.clientIp());
        string(b, "method", r.method());
        string(b, "host", r.host());
        string(b, "uri", r.uri());
        b.append(",\"status\":").append(r.responseStatus());
        string(b, "route", r.routeId());
        string(b, "upstream", r.upstreamName());
        string(b, "endpoint", r.endpointKey());
        if (r.attempts() > 0) {
            b.append(",\"attempts\":").append(r.attempts()).append(",\"retries\":").append(r.retries());
        }
        string(b, "error", r.errorCode());
        string(b, "fallback", r.fallbackReason());
        millis(b, "duration_ms", r.durationNanos());
        if (r.upstreamNanos() >= 0) {
            millis(b, "upstream_ms", r.upstreamNanos());
        }
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String key, String value) {
        if (value != null) {
            b.append(",\"").append(key).append("\":\"");
            JSON.quoteAsString(value, b);
            b.append('"');
        }
    }

    private static void millis(StringBuilder b, String key, long nanos) {
        // Microsecond precision without floating-point formatting: whole ms, then three digits.
        final long micros = Math.max(0, nanos) / 1000;
        b.append(",\"").append(key).append("\":").append(micros / 1000).append('.');
        final long frac = micros % 1000;
        if (frac < 100) {
            b.append('0');
        }
        if (frac < 10) {
            b.append('0');
        }
        b.append(frac);
    }
}
