package dev.sluice.runtime;

import io.netty.util.AsciiString;

/**
 * A route's fixed response, pre-encoded: status, header pairs and body bytes.
 *
 * @param status      HTTP status code
 * @param headerNames response header names, parallel to {@code headerValues}
 * @param headerValues response header values
 * @param body        body bytes (shared, never modified)
 */
public record StaticResponse(int status, AsciiString[] headerNames, AsciiString[] headerValues, byte[] body) {
}
