package dev.sluice.policy.breaker;

import static dev.sluice.policy.breaker.BreakerState.CLOSED;
import static dev.sluice.policy.breaker.BreakerState.HALF_OPEN;
import static dev.sluice.policy.breaker.BreakerState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Unit tests of {@link CircuitBreaker}: every transition and edge, against a {@link FakeTicker}. */
class CircuitBreakerTest {
    private static final long MS = 1_000_000;
    private static final long OPEN_NANOS = 5_000 * MS;
    private static final long SLOW_NANOS = 100 * MS;

    private final FakeTicker ticker = new FakeTicker(1_700_000_000_000_000_000L);
    private final List<Event> events = new ArrayList<>();

    /** Count window of 20, minimum 20, 50% failures, slow calls off, 3 trials. */
    private CircuitBreaker countBreaker() {
        return breaker(new BreakerSettings(WindowKind.COUNT, 20, 20, 0.5, 1.0, 0, OPEN_NANOS, 3));
    }

    private CircuitBreaker breaker(BreakerSettings settings) {
        return new CircuitBreaker("users", settings, ticker,
                (breaker, from, to, figures) -> events.add(new Event(from, to, figures)));
    }

    // --- CLOSED -> OPEN ---------------------------------------------------------------------------------------------

    @Test
    void tryAcquire_newBreaker_permitsWithoutReadingState() {
        final CircuitBreaker breaker = countBreaker();

        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isTrue();
        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.openUntilNanos()).isZero();
        assertThat(breaker.snapshot()).isEqualTo(new BreakerSnapshot(CLOSED, 0, 0, 0, 0, 0, 0));
    }

    @Test
    void onFailure_belowMinimumCalls_staysClosed() {
        final CircuitBreaker breaker = countBreaker();

        calls(breaker, 19, "F");

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot().failedCalls()).isEqualTo(19);
        calls(breaker, 1, "F");
        assertThat(breaker.state()).isEqualTo(OPEN);
    }

    @Test
    void onFailure_exactlyAtThreshold_opens() {
        final CircuitBreaker breaker = countBreaker();

        calls(breaker, 10, "S");
        calls(breaker, 9, "F");
        assertThat(breaker.state()).isEqualTo(CLOSED);
        calls(breaker, 1, "F");

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events).containsExactly(new Event(CLOSED, OPEN,
                new BreakerSnapshot(OPEN, 1, 20, 10, 0, OPEN_NANOS, 0)));
    }

    @Test
    void onFailure_justBelowThreshold_staysClosed() {
        final CircuitBreaker breaker = countBreaker();

        calls(breaker, 11, "S");
        calls(breaker, 9, "F");

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot().failureRate()).isEqualTo(0.45);
    }

    @Test
    void onSuccess_reachingMinimumCallsWithRateAtThreshold_opens() {
        final CircuitBreaker breaker = countBreaker();

        calls(breaker, 10, "F");
        calls(breaker, 9, "S");
        assertThat(breaker.state()).isEqualTo(CLOSED);
        calls(breaker, 1, "S");

        assertThat(breaker.state()).isEqualTo(OPEN);
    }

    @Test
    void onFailure_countWindowFull_oldestCallsNoLongerCount() {
        // 2 failures among the last 4 calls trip it; the same 2 among all 6 calls (33%) would not.
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 4, 4, 0.5, 1.0, 0, OPEN_NANOS,
                3));

        calls(breaker, 3, "S");
        calls(breaker, 1, "F");
        calls(breaker, 1, "S");
        assertThat(breaker.snapshot()).extracting(BreakerSnapshot::calls, BreakerSnapshot::failedCalls)
                .containsExactly(4L, 1L);
        calls(breaker, 1, "F");

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events.get(0).figures.calls()).isEqualTo(4);
    }

    @Test
    void onFailure_timeWindow_callsOlderThanTheWindowExpire() {
        // 10 s window of 1 s buckets; 60%: two failures trip it alone, not with the two older successes (50%).
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.TIME, 10, 2, 0.6, 1.0, 0, OPEN_NANOS,
                3));
        calls(breaker, 2, "S");
        ticker.advance(Duration.ofSeconds(10));

        calls(breaker, 1, "F");
        assertThat(breaker.snapshot().calls()).isEqualTo(1);
        calls(breaker, 1, "F");

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events.get(0).figures).extracting(BreakerSnapshot::calls, BreakerSnapshot::failedCalls)
                .containsExactly(2L, 2L);
    }

    @Test
    void onFailure_timeWindow_callsInTheLastBucketStillCount() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.TIME, 10, 2, 0.6, 1.0, 0, OPEN_NANOS,
                3));
        // Start at a bucket boundary, so that 9.999 s later is still in the tenth bucket.
        ticker.advance(Duration.ofNanos(1_000_000_000L - ticker.nanoTime() % 1_000_000_000L));
        calls(breaker, 2, "S");
        ticker.advanceMillis(9_999);

        calls(breaker, 2, "F");

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot().calls()).isEqualTo(4);
    }

    @Test
    void onSuccess_timeWindowSuccessesExpired_opensOnTheNextSuccess() {
        // 3 successes, then 2 failures (40%); once the successes expire, one more success leaves 2 of 3 failed.
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.TIME, 10, 3, 0.5, 1.0, 0, OPEN_NANOS,
                3));
        calls(breaker, 3, "S");
        ticker.advance(Duration.ofSeconds(5));
        calls(breaker, 2, "F");
        assertThat(breaker.state()).isEqualTo(CLOSED);
        ticker.advance(Duration.ofSeconds(5));

        calls(breaker, 1, "S");

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events.get(0).figures).extracting(BreakerSnapshot::calls, BreakerSnapshot::failedCalls)
                .containsExactly(3L, 2L);
    }

    @Test
    void onSuccess_slowCallsAtThreshold_opens() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 4, 4, 1.0, 0.5, SLOW_NANOS,
                OPEN_NANOS, 3));

        calls(breaker, 2, "S");
        calls(breaker, 1, "slow");
        assertThat(breaker.state()).isEqualTo(CLOSED);
        // Exactly slowCallNanos is slow.
        breaker.onSuccess(breaker.tryAcquire(), SLOW_NANOS);

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events.get(0).figures).extracting(BreakerSnapshot::slowCalls, BreakerSnapshot::failedCalls)
                .containsExactly(2L, 0L);
    }

    @Test
    void onSuccess_justUnderSlowCallNanos_isNotSlow() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 4, 4, 1.0, 0.5, SLOW_NANOS,
                OPEN_NANOS, 3));

        for (int i = 0; i < 4; i++) {
            breaker.onSuccess(breaker.tryAcquire(), SLOW_NANOS - 1);
        }

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot().slowCalls()).isZero();
    }

    @Test
    void onFailure_slowFailure_countsAsFailedAndSlow() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 4, 1, 1.0, 1.0, SLOW_NANOS,
                OPEN_NANOS, 3));

        breaker.onFailure(breaker.tryAcquire(), SLOW_NANOS);

        assertThat(events.get(0).figures).extracting(BreakerSnapshot::failedCalls, BreakerSnapshot::slowCalls)
                .containsExactly(1L, 1L);
    }

    @Test
    void onSuccess_slowCallNanosZero_neverSlow() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 4, 1, 0.5, 0.01, 0, OPEN_NANOS,
                3));

        for (int i = 0; i < 10; i++) {
            breaker.onSuccess(breaker.tryAcquire(), Long.MAX_VALUE);
        }

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot().slowCalls()).isZero();
    }

    @Test
    void onFailure_deniedPermit_isNotCounted() {
        final CircuitBreaker breaker = countBreaker();

        breaker.onFailure(-1, 0);

        assertThat(breaker.snapshot().calls()).isZero();
    }

    // --- OPEN -> HALF_OPEN ------------------------------------------------------------------------------------------

    @Test
    void tryAcquire_open_deniedUntilOpenNanosThenHalfOpen() {
        final CircuitBreaker breaker = trippedCountBreaker();
        final long openedAt = ticker.nanoTime();
        assertThat(breaker.openUntilNanos()).isEqualTo(openedAt + OPEN_NANOS);

        ticker.advance(Duration.ofNanos(OPEN_NANOS - 1));
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();
        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.snapshot().openRemainingNanos()).isEqualTo(1);
        ticker.advance(Duration.ofNanos(1));

        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isTrue();
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.openUntilNanos()).isZero();
        assertThat(events).extracting(e -> e.to).containsExactly(OPEN, HALF_OPEN);
    }

    @Test
    void tryAcquireAt_callerTime_decidesWithoutTheTicker() {
        final CircuitBreaker breaker = trippedCountBreaker();

        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire(breaker.openUntilNanos() - 1))).isFalse();
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire(breaker.openUntilNanos()))).isTrue();
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
    }

    @Test
    void transitionToHalfOpenIfDue_onlyOnceAndOnlyWhenDue() {
        final CircuitBreaker breaker = trippedCountBreaker();

        ticker.advance(Duration.ofNanos(OPEN_NANOS - 1));
        assertThat(breaker.transitionToHalfOpenIfDue()).isFalse();
        ticker.advance(Duration.ofNanos(1));
        assertThat(breaker.transitionToHalfOpenIfDue()).isTrue();
        assertThat(breaker.transitionToHalfOpenIfDue()).isFalse();

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(events).hasSize(2);
        assertThat(events.get(1)).isEqualTo(new Event(OPEN, HALF_OPEN,
                new BreakerSnapshot(HALF_OPEN, 2, 20, 20, 0, 0, 0)));
    }

    @Test
    void transitionToHalfOpenIfDue_closed_doesNothing() {
        final CircuitBreaker breaker = countBreaker();

        ticker.advance(Duration.ofHours(1));

        assertThat(breaker.transitionToHalfOpenIfDue()).isFalse();
        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    // --- HALF_OPEN -> CLOSED / OPEN ---------------------------------------------------------------------------------

    @Test
    void tryAcquire_halfOpen_permitsExactlyTrialCalls() {
        final CircuitBreaker breaker = halfOpenCountBreaker();

        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()};

        assertThat(trials).containsOnly(2L);
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();
        assertThat(breaker.snapshot().trialPermitsInUse()).isEqualTo(3);
        // Reporting one does not free a permit: a generation has trialCalls permits in all.
        breaker.onSuccess(trials[0], 0);
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();
    }

    @Test
    void onSuccess_allTrialsSucceed_closesWithAnEmptyWindow() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()};

        breaker.onSuccess(trials[0], 0);
        breaker.onSuccess(trials[1], 0);
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        breaker.onSuccess(trials[2], 0);

        assertThat(breaker.state()).isEqualTo(CLOSED);
        assertThat(breaker.snapshot()).isEqualTo(new BreakerSnapshot(CLOSED, 3, 0, 0, 0, 0, 0));
        assertThat(events.get(2)).isEqualTo(new Event(HALF_OPEN, CLOSED,
                new BreakerSnapshot(CLOSED, 3, 3, 0, 0, 0, 0)));
    }

    @Test
    void onFailure_trialsBelowThreshold_closes() {
        // 1 of 3 failed: 33% < 50%.
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()};

        breaker.onFailure(trials[0], 0);
        breaker.onSuccess(trials[1], 0);
        breaker.onSuccess(trials[2], 0);

        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    @Test
    void onFailure_secondOfThreeTrialsFails_reopensAtOnce() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()};

        breaker.onFailure(trials[0], 0);
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        breaker.onFailure(trials[1], 0);

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(breaker.openUntilNanos()).isEqualTo(ticker.nanoTime() + OPEN_NANOS);
        assertThat(events.get(2)).isEqualTo(new Event(HALF_OPEN, OPEN,
                new BreakerSnapshot(OPEN, 3, 2, 2, 0, OPEN_NANOS, 0)));
        // The third trial belongs to a decided generation.
        breaker.onSuccess(trials[2], 0);
        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events).hasSize(3);
    }

    @Test
    void onSuccess_slowTrialsAtThreshold_reopen() {
        final CircuitBreaker breaker = breaker(new BreakerSettings(WindowKind.COUNT, 2, 1, 0.5, 0.5, SLOW_NANOS,
                OPEN_NANOS, 2));
        calls(breaker, 1, "F");
        ticker.advance(Duration.ofNanos(OPEN_NANOS));
        final long trial = breaker.tryAcquire();

        breaker.onSuccess(trial, SLOW_NANOS);

        assertThat(breaker.state()).isEqualTo(OPEN);
        assertThat(events.get(2).figures.slowCalls()).isEqualTo(1);
    }

    @Test
    void onFailure_reopened_staysOpenForAnotherOpenNanos() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        breaker.onFailure(breaker.tryAcquire(), 0);
        breaker.onFailure(breaker.tryAcquire(), 0);

        ticker.advance(Duration.ofNanos(OPEN_NANOS - 1));
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();
        ticker.advance(Duration.ofNanos(1));

        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isTrue();
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
    }

    @Test
    void onFailure_permitFromClosedGeneration_isNotATrialResult() {
        final CircuitBreaker breaker = countBreaker();
        final long[] closedPermits = new long[3];
        for (int i = 0; i < closedPermits.length; i++) {
            closedPermits[i] = breaker.tryAcquire();
        }
        calls(breaker, 20, "F");
        ticker.advance(Duration.ofNanos(OPEN_NANOS));
        final long trial = breaker.tryAcquire();

        for (final long stale : closedPermits) {
            breaker.onFailure(stale, 0);
        }

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.snapshot()).extracting(BreakerSnapshot::calls, BreakerSnapshot::trialPermitsInUse)
                .containsExactly(0L, 1);
        breaker.onSuccess(trial, 0);
        assertThat(breaker.snapshot().calls()).isEqualTo(1);
    }

    @Test
    void onSuccess_permitFromEarlierHalfOpenGeneration_isIgnored() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long late = breaker.tryAcquire();
        breaker.onFailure(breaker.tryAcquire(), 0);
        breaker.onFailure(breaker.tryAcquire(), 0);
        ticker.advance(Duration.ofNanos(OPEN_NANOS));
        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire()};

        breaker.onSuccess(late, 0);
        breaker.onSuccess(trials[0], 0);
        breaker.onSuccess(trials[1], 0);

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.snapshot().calls()).isEqualTo(2);
    }

    @Test
    void onSuccess_permitFromEarlierClosedGeneration_notCountedInTheNewWindow() {
        final CircuitBreaker breaker = countBreaker();
        final long old = breaker.tryAcquire();
        calls(breaker, 20, "F");
        ticker.advance(Duration.ofNanos(OPEN_NANOS));
        for (int i = 0; i < 3; i++) {
            breaker.onSuccess(breaker.tryAcquire(), 0);
        }
        assertThat(breaker.state()).isEqualTo(CLOSED);

        breaker.onFailure(old, 0);

        assertThat(breaker.snapshot().calls()).isZero();
    }

    @Test
    void onIgnored_halfOpenTrial_givesThePermitBack() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long[] trials = {breaker.tryAcquire(), breaker.tryAcquire(), breaker.tryAcquire()};
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();

        breaker.onIgnored(trials[0]);

        assertThat(breaker.snapshot().trialPermitsInUse()).isEqualTo(2);
        final long replacement = breaker.tryAcquire();
        assertThat(CircuitBreaker.isPermitted(replacement)).isTrue();
        breaker.onSuccess(trials[1], 0);
        breaker.onSuccess(trials[2], 0);
        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        breaker.onSuccess(replacement, 0);
        assertThat(breaker.state()).isEqualTo(CLOSED);
    }

    @Test
    void onIgnored_twiceForOnePermit_returnsOnlyOne() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long trial = breaker.tryAcquire();

        breaker.onIgnored(trial);
        breaker.onIgnored(trial);

        assertThat(breaker.snapshot().trialPermitsInUse()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isTrue();
        }
        assertThat(CircuitBreaker.isPermitted(breaker.tryAcquire())).isFalse();
    }

    @Test
    void onSuccess_moreTrialReportsThanPermits_extraOnesIgnored() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        final long trial = breaker.tryAcquire();

        breaker.onSuccess(trial, 0);
        breaker.onSuccess(trial, 0);
        breaker.onSuccess(trial, 0);

        assertThat(breaker.state()).isEqualTo(HALF_OPEN);
        assertThat(breaker.snapshot().calls()).isEqualTo(1);
    }

    @Test
    void onIgnored_closed_countsNothing() {
        final CircuitBreaker breaker = countBreaker();

        breaker.onIgnored(breaker.tryAcquire());

        assertThat(breaker.snapshot().calls()).isZero();
    }

    // --- listener ---------------------------------------------------------------------------------------------------

    @Test
    void listener_fullCycle_calledOncePerTransitionInOrder() {
        final CircuitBreaker breaker = halfOpenCountBreaker();
        for (int i = 0; i < 3; i++) {
            breaker.onSuccess(breaker.tryAcquire(), 0);
        }

        assertThat(events).extracting(e -> e.from + "->" + e.to + "#" + e.figures.generation())
                .containsExactly("CLOSED->OPEN#1", "OPEN->HALF_OPEN#2", "HALF_OPEN->CLOSED#3");
    }

    @Test
    void listener_throws_transitionStillHappens() {
        final CircuitBreaker breaker = new CircuitBreaker("users",
                new BreakerSettings(WindowKind.COUNT, 1, 1, 0.5, 1.0, 0, OPEN_NANOS, 1), ticker,
                (b, from, to, figures) -> {
                    throw new IllegalStateException("listener bug");
                });

        breaker.onFailure(breaker.tryAcquire(), 0);

        assertThat(breaker.state()).isEqualTo(OPEN);
    }

    @Test
    void listener_seesTheNewStateFromInsideTheCallback() {
        final List<BreakerState> seen = new ArrayList<>();
        final CircuitBreaker breaker = new CircuitBreaker("users",
                new BreakerSettings(WindowKind.COUNT, 1, 1, 0.5, 1.0, 0, OPEN_NANOS, 1), ticker,
                (b, from, to, figures) -> seen.add(b.state()));

        breaker.onFailure(breaker.tryAcquire(), 0);

        assertThat(seen).containsExactly(OPEN);
    }

    // --- helpers ----------------------------------------------------------------------------------------------------

    private CircuitBreaker trippedCountBreaker() {
        final CircuitBreaker breaker = countBreaker();
        calls(breaker, 20, "F");
        assertThat(breaker.state()).isEqualTo(OPEN);
        return breaker;
    }

    private CircuitBreaker halfOpenCountBreaker() {
        final CircuitBreaker breaker = trippedCountBreaker();
        ticker.advance(Duration.ofNanos(OPEN_NANOS));
        assertThat(breaker.transitionToHalfOpenIfDue()).isTrue();
        return breaker;
    }

    /** Makes {@code n} calls ending as {@code kind}: S (fast success), F (fast failure) or slow (slow success). */
    private static void calls(CircuitBreaker breaker, int n, String kind) {
        for (int i = 0; i < n; i++) {
            final long permit = breaker.tryAcquire();
            assertThat(CircuitBreaker.isPermitted(permit)).isTrue();
            switch (kind) {
                case "S" -> breaker.onSuccess(permit, 1);
                case "F" -> breaker.onFailure(permit, 1);
                case "slow" -> breaker.onSuccess(permit, SLOW_NANOS * 2);
                default -> throw new IllegalArgumentException(kind);
            }
        }
    }

    private record Event(BreakerState from, BreakerState to, BreakerSnapshot figures) {
    }
}
