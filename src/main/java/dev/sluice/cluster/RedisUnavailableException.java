package dev.sluice.cluster;

/**
 * Redis could not decide in time: it is down, unreachable, too slow (the command timed out), or refusing commands
 * (loading, read-only replica, out of memory), or it was recently so and calls are failing fast.
 *
 * <p>This is the one failure a caller of the cluster backend has to handle; the rate-limit policy maps it to its
 * configured fail-open, fail-closed or local-fallback behaviour. It has no stack trace: while Redis is down every
 * request produces one, and the cause (when there is one) already says where it came from.
 */
public final class RedisUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, /* enableSuppression= */ false, /* writableStackTrace= */ false);
    }
}
