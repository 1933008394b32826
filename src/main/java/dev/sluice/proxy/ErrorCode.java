package dev.sluice.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Every error the gateway answers by itself: a stable machine-readable code (part of the API: clients and log
 * queries match on it) and its HTTP status.
 */
public enum ErrorCode {
    BAD_REQUEST("bad_request", HttpResponseStatus.BAD_REQUEST),
    REQUEST_TIMEOUT("request_timeout", HttpResponseStatus.REQUEST_TIMEOUT),
    ROUTE_NOT_FOUND("route_not_found", HttpResponseStatus.NOT_FOUND),
    EXPECTATION_FAILED("expectation_failed", HttpResponseStatus.EXPECTATION_FAILED),
    BODY_TOO_LARGE("body_too_large", HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE),
    URI_TOO_LONG("uri_too_long", HttpResponseStatus.REQUEST_URI_TOO_LONG),
    HEADERS_TOO_LARGE("headers_too_large", HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE),
    UPSTREAM_CONNECT_FAILED("upstream_connect_failed", HttpResponseStatus.BAD_GATEWAY),
    UPSTREAM_RESET("upstream_reset", HttpResponseStatus.BAD_GATEWAY),
    UPSTREAM_BAD_RESPONSE("upstream_bad_response", HttpResponseStatus.BAD_GATEWAY),
    UPSTREAM_OVERLOADED("upstream_overloaded", HttpResponseStatus.SERVICE_UNAVAILABLE),
    NO_HEALTHY_ENDPOINT("no_healthy_endpoint", HttpResponseStatus.SERVICE_UNAVAILABLE),
    CIRCUIT_OPEN("circuit_open", HttpResponseStatus.SERVICE_UNAVAILABLE),
    CONCURRENCY_LIMITED("concurrency_limited", HttpResponseStatus.SERVICE_UNAVAILABLE),
    SHUTTING_DOWN("shutting_down", HttpResponseStatus.SERVICE_UNAVAILABLE),
    UPSTREAM_CONNECT_TIMEOUT("upstream_connect_timeout", HttpResponseStatus.GATEWAY_TIMEOUT),
    UPSTREAM_TIMEOUT("upstream_timeout", HttpResponseStatus.GATEWAY_TIMEOUT);

    private final String code;
    private final HttpResponseStatus status;

    ErrorCode(String code, HttpResponseStatus status) {
        this.code = code;
        this.status = status;
    }

    /** The stable code written in error bodies and access logs. */
    public String code() {
        return code;
    }

    public HttpResponseStatus status() {
        return status;
    }
}
