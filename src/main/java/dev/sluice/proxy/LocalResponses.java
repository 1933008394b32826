package dev.sluice.proxy;

import dev.sluice.runtime.StaticResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Responses the gateway writes itself: JSON error bodies and routes' static responses.
 *
 * <p>An error body is {@code {"error":{"status":404,"code":"route_not_found","message":"…","request_id":"…"}}};
 * the code is stable, the message is for humans.
 */
public final class LocalResponses {
    public static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString JSON = AsciiString.cached("application/json");

    private LocalResponses() {}

    /** A complete error response; the caller owns the returned message (and its buffer). */
    public static FullHttpResponse error(ByteBufAllocator alloc, ErrorCode code, String message, String requestId,
            boolean close) {
        return error(alloc, code.status(), code.code(), message, requestId, close);
    }

    /** A complete error response with any status and code; the caller owns the returned message. */
    public static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String code,
            String message, String requestId, boolean close) {
        final StringBuilder json = new StringBuilder(128 + message.length());
        json.append("{\"error\":{\"status\":").append(status.code())
                .append(",\"code\":\"").append(code)
                .append("\",\"message\":\"");
        appendJsonEscaped(json, message);
        json.append("\",\"request_id\":\"");
        appendJsonEscaped(json, requestId);
        json.append("\"}}\n");
        final ByteBuf body = alloc.buffer(json.length());
        body.writeCharSequence(json, StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        final HttpHeaders h = response.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        h.set(X_REQUEST_ID, requestId);
        if (close) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** A route's static response; the caller owns the returned message. */
    public static FullHttpResponse fixed(StaticResponse spec, String requestId) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(spec.status()), Unpooled.wrappedBuffer(spec.body()));
        final HttpHeaders h = response.headers();
        for (int i = 0; i < spec.headerNames().length; i++) {
            h.add(spec.headerNames()[i], spec.headerValues()[i]);
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, spec.body().length);
        h.set(X_REQUEST_ID, requestId);
        return response;
    }

    static void appendJsonEscaped(StringBuilder out, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }
}
