package dev.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * The downstream listener: address, event-loop threads, protocol limits, timeouts and trusted proxies.
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
        List<String> trustedProxies) {

    public static final String DEFAULT_LISTEN = "0.0.0.0:8080";

    public ServerSpec {
        listen = listen == null ? DEFAULT_LISTEN : listen;
        // 8 KiB request line and 16 KiB of headers: nginx's large_client_header_buffers and Envoy's defaults.
        maxRequestLineLength = maxRequestLineLength == 0 ? 8192 : maxRequestLineLength;
        maxHeaderSize = maxHeaderSize == 0 ? 16384 : maxHeaderSize;
        maxBodySize = maxBodySize == null ? DataSize.ofMebibytes(10) : maxBodySize;
        requestHeaderTimeout = requestHeaderTimeout == null ? Duration.ofSeconds(10) : requestHeaderTimeout;
        bodyTimeout = bodyTimeout == null ? Duration.ofSeconds(30) : bodyTimeout;
        idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
        shutdownTimeout = shutdownTimeout == null ? Duration.ofSeconds(30) : shutdownTimeout;
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    }

    /** Every field at its default. */
    public static ServerSpec defaults() {
        return new ServerSpec(null, 0, 0, 0, null, null, null, null, null, null);
    }
}
