package dev.sluice.policy;

/**
 * What a request policy decided: go on, stop with a local answer, go on after a delay, or decide later.
 */
public sealed interface PolicyResult {
    /** Go on with the next policy (and then the upstream). */
    PolicyResult CONTINUE = new Continue();

    /** The policy will call {@link Exchange#resume} with the real decision (asynchronous work in flight). */
    PolicyResult PENDING = new Pending();

    /** Go on. */
    final class Continue implements PolicyResult {
        private Continue() {}
    }

    /** Decided later through {@link Exchange#resume}. */
    final class Pending implements PolicyResult {
        private Pending() {}
    }

    /**
     * Answer the client now and do not contact the upstream.
     *
     * @param status  HTTP status
     * @param code    stable machine-readable error code (for the JSON body and the access log)
     * @param message human-readable explanation
     */
    record Reject(int status, String code, String message) implements PolicyResult {}

    /**
     * Go on after {@code nanos}, without holding a thread (the request is parked on a timer of its event loop).
     *
     * @param nanos how long to wait, > 0
     */
    record Delay(long nanos) implements PolicyResult {}
}
