package dev.sluice.policy.concurrency;

/**
 * The figures of one {@link ConcurrencyGate} at one moment, for the admin API and metrics. The fields are read one
 * after another, not atomically, so under load they need not add up exactly.
 *
 * @param limit          the current limit
 * @param inFlight       slots held now (by admitted requests, and by waiters whose hand-over is being delivered)
 * @param queued         waiters waiting now
 * @param admittedTotal  requests that got a slot, at once or after waiting
 * @param queuedTotal    requests that had to wait
 * @param rejectedTotal  requests turned away: gate full and no queue, or queue full
 * @param timedOutTotal  waiters not served within the queue timeout
 * @param cancelledTotal waiters cancelled by their caller while waiting
 */
public record GateSnapshot(int limit, int inFlight, int queued, long admittedTotal, long queuedTotal,
        long rejectedTotal, long timedOutTotal, long cancelledTotal) {}
