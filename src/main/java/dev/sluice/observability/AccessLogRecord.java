package dev.sluice.observability;

/** What the access log records of one finished request; implemented by the proxy's exchange. */
public interface AccessLogRecord {
    String requestId();

    String clientIp();

    String method();

    String host();

    /** The request target as the client sent it. */
    String uri();

    /** The status the client got, 0 when the connection ended before a response. */
    int responseStatus();

    /** The matched route's id, or {@code null}. */
    String routeId();

    /** The upstream the request went to last, or {@code null}. */
    String upstreamName();

    /** {@code host:port} of the endpoint that served the request last, or {@code null}. */
    String endpointKey();

    /** Upstream attempts made (0 when none). */
    int attempts();

    /**
     * Attempts that were retries; less than {@code attempts() - 1} when an attempt was something else, such as the
     * one a fallback upstream got.
     */
    default int retries() {
        return Math.max(0, attempts() - 1);
    }

    /** The stable code of the error the gateway answered with, or {@code null}. */
    String errorCode();

    /** Why a fallback answered, or {@code null} when none did. */
    String fallbackReason();

    /** Time from the request head to the end of the exchange. */
    long durationNanos();

    /** Time from the last attempt's request being sent to its response head, or -1 when there was none. */
    long upstreamNanos();
}
