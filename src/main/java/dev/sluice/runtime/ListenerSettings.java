package dev.sluice.runtime;

import dev.sluice.observability.AccessLog;

/**
 * Per-request listener settings in the units the data plane uses.
 *
 * @param requestHeaderTimeoutNanos time allowed to receive a request head
 * @param bodyTimeoutNanos          longest pause between request-body reads
 * @param idleTimeoutNanos          how long an idle keep-alive connection stays open
 * @param maxBodyBytes              default request-body limit
 * @param trustedProxies            peers whose forwarding headers are trusted
 * @param accessLog                 where finished requests are logged
 */
public record ListenerSettings(
        long requestHeaderTimeoutNanos,
        long bodyTimeoutNanos,
        long idleTimeoutNanos,
        long maxBodyBytes,
        TrustedProxies trustedProxies,
        AccessLog accessLog) {
}
