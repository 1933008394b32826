package dev.sluice.upstream.balance;

import dev.sluice.upstream.Endpoint;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Threading: pick() is lock-free and allocation-free: one getAndIncrement on a shared counter and one array read.
 * The schedule is computed once, in the constructor, on the config thread.
 *
 * Ownership: the schedule array is private and never mutated after construction.
 *
 * Invariants: schedule.length == sum of the reduced weights (see Weights.reduced) and each endpoint appears in it
 * exactly its reduced weight times, so every full cycle of picks matches the configured ratios exactly.
 *
 * Algorithm: nginx's smooth weighted round robin [1]. Each endpoint has a current weight, initially 0. On every
 * step, add each endpoint's weight to its current weight, pick the endpoint with the largest current weight (the
 * first in list order on a tie), and subtract the total weight from the winner's. After T = sum(weights) steps every
 * current weight is 0 again, so the sequence has period T. Weights 5,1,1 give a a b a c a a, where classic WRR
 * gives the burst a a a a a b c.
 *
 * nginx runs that step under a per-upstream lock. Because the sequence is periodic, we precompute one period into
 * an array and index it with an atomic counter, which makes pick() lock-free and O(1). Weights are first divided by
 * their gcd (weights 100,100 give a period of 2, not 200).
 *
 * Cap: the period is at most MAX_CYCLE (2^16) slots (256 KiB of references at the cap). When the reduced weights sum
 * to more, they are scaled down proportionally, each at least 1, so each endpoint's share is off by at most one
 * slot in 2^16 of the cycle (relative error <= 1/scaledWeight). We chose scaling over computing the schedule lazily
 * because a lazy schedule needs the nginx state vector updated atomically on each pick - a lock or an allocating
 * CAS - which is exactly what the table avoids; a 0.01% ratio error is far below the noise of real traffic.
 * Building the table costs O(T * n), at most 2^16 * n steps once per endpoint-list change; equal weights skip it.
 *
 * Smoothness: current weight of endpoint j after t steps is t*w_j - T*picks_j(t), and it stays > -T (the winner's
 * value before the subtraction is the largest of n values summing to T, so it is >= T/n > 0; losers only grow).
 * Hence at every point of the cycle picks_j(t) < t*w_j/T + 1: no endpoint is ever more than one pick ahead of its
 * exact share. Classic WRR breaks this at once (5 picks of a after 5 steps, where its share is 3.6).
 * The counter starts at a random slot so that a fleet of gateways reloading together does not move in lockstep.
 *
 * References:
 * [1] nginx, src/http/ngx_http_upstream_round_robin.c, ngx_http_upstream_get_peer() (the smooth variant, 2012).
 */

/** Smooth weighted round robin (nginx's algorithm) over a precomputed, lock-free schedule. */
final class SmoothWeightedRoundRobinBalancer implements LoadBalancer {
    /** Longest precomputed cycle; see the class comment for what happens above it. */
    static final int MAX_CYCLE = 1 << 16;

    private final Endpoint[] schedule;
    private final AtomicLong next;

    SmoothWeightedRoundRobinBalancer(Endpoint[] endpoints, RandomSource random) {
        assert endpoints.length > 0 : "the factory rejects an empty list";
        this.schedule = schedule(endpoints);
        this.next = new AtomicLong(random.nextInt(schedule.length));
    }

    /** One full period of the nginx smooth WRR sequence, starting from all-zero current weights. */
    static Endpoint[] schedule(Endpoint[] endpoints) {
        final int[] weights = Weights.reduced(endpoints, MAX_CYCLE);
        // Weights.reduced bounds the sum by MAX_CYCLE + n, so it fits in an int.
        final int total = (int) Weights.sum(weights);
        final Endpoint[] schedule = new Endpoint[total];
        if (total == endpoints.length) {
            // All reduced weights are 1: the nginx sequence is plain list order, no need for the O(n^2) loop.
            System.arraycopy(endpoints, 0, schedule, 0, total);
            return schedule;
        }
        final long[] current = new long[weights.length];
        for (int slot = 0; slot < total; slot++) {
            int best = 0;
            for (int i = 0; i < weights.length; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            schedule[slot] = endpoints[best];
        }
        return schedule;
    }

    @Override
    public Endpoint pick(PickContext request) {
        return schedule[Math.floorMod(next.getAndIncrement(), schedule.length)];
    }

    /** The length of one full cycle of picks. */
    int cycleLength() {
        return schedule.length;
    }

    @Override
    public String toString() {
        return "SmoothWeightedRoundRobinBalancer(cycle " + schedule.length + ")"
                + Arrays.toString(Arrays.copyOf(schedule, Math.min(schedule.length, 16)));
    }
}
