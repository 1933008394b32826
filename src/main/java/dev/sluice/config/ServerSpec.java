package dev.sluice.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * The downstream listener: address, event-loop threads, protocol limits, timeouts and trusted proxies.
 *
 * <p>Object-typed components default when {@code null}. The two {@code int} limits are kept as given (see
 * {@link #defaults()} and the binding factory): an explicit 0 must be rejected by the validator, not replaced.
 *
 * @param listen                 {@code host:port} to bind, e.g. {@code 0.0.0.0:8080}
 * @param workers                event-loop threads; 0 means one per available processor
 * @param maxRequestLineLength   longest request line accepted; longer answers 414
 * @param maxHeaderSize          largest header block accepted; larger answers 431
 * @param maxBodySize            default request body limit for routes without their own; larger answers 413
 * @param requestHeaderTimeout   time allowed to receive a complete request head (slowloris defence)
 * @param bodyTimeout            longest pause allowed between two chunks of a request body (slow-body defence)
 * @param idleTimeout            how long an idle keep-alive connection is kept open
 * @param shutdownTimeout        how long a graceful shutdown waits for in-flight requests
 * @param trustedProxies         CIDRs whose X-Forwarded-* headers are trusted and appended to
 * @param accessLog              write one JSON line per request to the {@code sluice.access} log (stdout)
 */
public record ServerSpec(
        String listen,
        int workers,
        int maxRequestLineLength,
        int maxHeaderSize,
        DataSize maxBodySize,
        Duration requestHeaderTimeout,
        Duration bodyTimeout,
        Duration idleTimeout,
        Duration shutdownTimeout,
        List<String> trustedProxies,
        boolean accessLog) {

    public static final String DEFAULT_LISTEN = "0.0.0.0:8080";
    // 8 KiB request line and 16 KiB of headers: nginx's large_client_header_buffers and Envoy's defaults.
    public static final int DEFAULT_MAX_REQUEST_LINE_LENGTH = 8192;
    public static final int DEFAULT_MAX_HEADER_SIZE = 16384;

    public ServerSpec {
        listen = listen == null ? DEFAULT_LISTEN : listen;
        maxBodySize = maxBodySize == null ? DataSize.ofMebibytes(10) : maxBodySize;
        requestHeaderTimeout = requestHeaderTimeout == null ? Duration.ofSeconds(10) : requestHeaderTimeout;
        bodyTimeout = bodyTimeout == null ? Duration.ofSeconds(30) : bodyTimeout;
        idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
        shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(30) : shutdownTimeout;
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    }

    /** Every field at its default. */
    public static ServerSpec defaults() {
        return new ServerSpec(null, 0, DEFAULT_MAX_REQUEST_LINE_LENGTH, DEFAULT_MAX_HEADER_SIZE, null, null, null,
                null, null, null, true);
    }

    /** Binding entry point: absent keys take their defaults, explicit values are kept for validation. */
    @JsonCreator
    static ServerSpec fromConfig(
            @JsonProperty("listen") String listen,
            @JsonProperty("workers") Integer workers,
            @JsonProperty("max_request_line_length") Integer maxRequestLineLength,
            @JsonProperty("max_header_size") Integer maxHeaderSize,
            @JsonProperty("max_body_size") DataSize maxBodySize,
            @JsonProperty("request_header_timeout") Duration requestHeaderTimeout,
            @JsonProperty("body_timeout") Duration bodyTimeout,
            @JsonProperty("idle_timeout") Duration idleTimeout,
            @JsonProperty("shutdown_timeout") Duration shutdownTimeout,
            @JsonProperty("trusted_proxies") List<String> trustedProxies,
            @JsonProperty("access_log") Boolean accessLog) {
        return new ServerSpec(
                listen,
                workers == null ? 0 : workers,
                maxRequestLineLength == null ? DEFAULT_MAX_REQUEST_LINE_LENGTH : maxRequestLineLength,
                maxHeaderSize == null ? DEFAULT_MAX_HEADER_SIZE : maxHeaderSize,
                maxBodySize,
                requestHeaderTimeout,
                bodyTimeout,
                idleTimeout,
                shutdownTimeout,
                trustedProxies,
                accessLog == null || accessLog);
    }
}
