package dev.sluice.upstream.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import dev.sluice.upstream.Endpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link OutlierDetector} on a fake clock and a fake scheduler: every timer runs when the test moves time. */
class OutlierDetectorTest {
    private static final Duration BASE = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofSeconds(10);

    private final FakeTicker ticker = new FakeTicker(1_000_000_000_000L);
    private final FakeScheduler scheduler = new FakeScheduler(ticker);
    private final RecordingListener listener = new RecordingListener();
    private final List<Endpoint> endpoints = endpoints(4);
    private final Endpoint first = endpoints.get(0);

    @Test
    void onFailure_belowConsecutiveThreshold_keepsEndpointAndCounts() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());

        fail(detector, first, 4);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(first.health().consecutiveFailures()).isEqualTo(4);
        assertThat(listener.changes()).isEmpty();
    }

    @Test
    void onFailure_reachesConsecutiveThreshold_ejectsForBaseTimeAndTellsListenerOnce() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());

        fail(detector, first, 5);

        final long now = ticker.nanoTime();
        assertThat(first.health().isHealthy(now)).isFalse();
        assertThat(first.health().isEjected(now)).isTrue();
        assertThat(first.health().ejectedUntilNanos()).isEqualTo(now + BASE.toNanos());
        assertThat(first.health().ejectionCount()).isEqualTo(1);
        assertThat(first.health().consecutiveFailures()).isZero();
        assertThat(listener.changes()).containsExactly(
                new RecordingListener.Change(first, false, "5 consecutive failures; ejected for 30s", 0));
    }

    @Test
    void onFailure_whileEjected_isNotCountedAndDoesNotEjectAgain() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        fail(detector, first, 5);

        fail(detector, first, 20);

        assertThat(first.health().consecutiveFailures()).isZero();
        assertThat(first.health().ejectionCount()).isEqualTo(1);
        assertThat(listener.changes()).hasSize(1);
    }

    @Test
    void onSuccess_betweenFailures_resetsConsecutiveCount() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());

        fail(detector, first, 4);
        detector.onSuccess(first, ticker.nanoTime());
        fail(detector, first, 4);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(first.health().consecutiveFailures()).isEqualTo(4);
    }

    @Test
    void onFailure_consecutiveTriggerDisabled_neverEjects() {
        final OutlierDetector detector = detector(OutlierSettings.builder().consecutiveFailures(0).build());

        fail(detector, first, 1_000);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(first.health().consecutiveFailures()).isZero();
    }

    @Test
    void ejection_timeUp_readmitsAndTellsListener() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        fail(detector, first, 5);

        scheduler.advance(BASE.minusMillis(1));
        assertThat(first.health().isHealthy(ticker.nanoTime())).isFalse();
        assertThat(listener.verdicts()).containsExactly(false);

        scheduler.advance(Duration.ofMillis(1));
        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(first.health().isEjected(ticker.nanoTime())).isFalse();
        assertThat(listener.changes()).last()
                .isEqualTo(new RecordingListener.Change(first, true, "ejection ended", 0));
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void isHealthy_ejectionTimeUpBeforeTimerRan_isHealthyForRequests() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        fail(detector, first, 5);

        // Read the state at the end of the ejection without letting the readmission timer run.
        final long end = first.health().ejectedUntilNanos();

        assertThat(first.health().isHealthy(end - 1)).isFalse();
        assertThat(first.health().isHealthy(end)).isTrue();
        assertThat(first.health().snapshot(end).healthy()).isTrue();
        assertThat(listener.verdicts()).containsExactly(false);
    }

    @Test
    void ejection_repeatOffencesWithoutPause_growByBaseUpToMax() {
        final OutlierDetector detector = detector(OutlierSettings.builder()
                .baseEjectionTime(BASE).maxEjectionTime(Duration.ofSeconds(100)).build());
        final List<Duration> durations = new ArrayList<>();

        for (int offence = 0; offence < 5; offence++) {
            fail(detector, first, 5);
            durations.add(remainingEjection(first));
            scheduler.advance(remainingEjection(first)); // readmitted, and offends again at once
        }

        assertThat(durations).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(90),
                Duration.ofSeconds(100), Duration.ofSeconds(100));
        assertThat(first.health().ejectionCount()).isEqualTo(5);
    }

    @Test
    void ejection_oneIntervalBackBeforeNextOffence_multiplierDropsByOne() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        offendAndServe(detector, first);
        offendAndServe(detector, first); // second offence: 2 x base

        scheduler.advance(INTERVAL);
        fail(detector, first, 5);

        assertThat(remainingEjection(first)).isEqualTo(BASE.multipliedBy(2)); // (2 - 1) + 1
    }

    @Test
    void ejection_justUnderOneIntervalBack_multiplierKept() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        offendAndServe(detector, first);
        offendAndServe(detector, first);

        scheduler.advance(INTERVAL.minusMillis(1));
        fail(detector, first, 5);

        assertThat(remainingEjection(first)).isEqualTo(BASE.multipliedBy(3));
    }

    @Test
    void ejection_longBackBeforeNextOffence_oldOffencesForgotten() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        offendAndServe(detector, first);
        offendAndServe(detector, first);
        offendAndServe(detector, first); // multiplier 3

        scheduler.advance(INTERVAL.multipliedBy(3));
        fail(detector, first, 5);

        assertThat(remainingEjection(first)).isEqualTo(BASE);
    }

    @Test
    void onFailure_capReached_otherEndpointStaysUntilAnEjectionEnds() {
        final OutlierDetector detector = detector(OutlierSettings.defaults()); // 50% of 4 endpoints: 2
        fail(detector, endpoints.get(0), 5);
        scheduler.advance(Duration.ofSeconds(1));
        fail(detector, endpoints.get(1), 5);

        fail(detector, endpoints.get(2), 7);
        assertThat(endpoints.get(2).health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(endpoints.get(2).health().consecutiveFailures()).isEqualTo(7);
        assertThat(detector.ejectedCount()).isEqualTo(2);

        scheduler.advance(BASE.minusSeconds(1)); // the first ejection ends
        fail(detector, endpoints.get(2), 1);

        assertThat(endpoints.get(2).health().isEjected(ticker.nanoTime())).isTrue();
        assertThat(endpoints.get(1).health().isEjected(ticker.nanoTime())).isTrue();
        assertThat(endpoints.get(0).health().isEjected(ticker.nanoTime())).isFalse();
        assertThat(detector.ejectedCount()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0} endpoints at {1}%: {2} ejectable")
    @CsvSource({"1, 50, 0", "1, 100, 1", "2, 50, 1", "3, 50, 1", "4, 50, 2", "5, 50, 2", "10, 10, 1", "9, 10, 0",
            "4, 0, 0", "4, 100, 4"})
    void onFailure_everyEndpointFailing_ejectsFloorOfPercentOfEndpoints(int count, int percent, int ejectable) {
        final List<Endpoint> all = endpoints(count);
        final OutlierDetector detector = new OutlierDetector(
                OutlierSettings.builder().maxEjectionPercent(percent).build(), all, scheduler, ticker, listener);

        for (Endpoint endpoint : all) {
            fail(detector, endpoint, 5);
        }

        assertThat(all.stream().filter(e -> e.health().isEjected(ticker.nanoTime()))).hasSize(ejectable);
        assertThat(listener.changes()).hasSize(ejectable);
    }

    @Test
    void failureRate_atThresholdWithMinimumRequests_ejectsAtEndOfInterval() {
        final OutlierDetector detector = detector(failureRate50Of20());

        report(detector, first, 10, 10);
        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue(); // judged at the end of the interval

        scheduler.advance(INTERVAL);

        assertThat(first.health().isEjected(ticker.nanoTime())).isTrue();
        assertThat(listener.changes()).extracting(RecordingListener.Change::reason)
                .containsExactly("failure rate 50% (10 of 20 requests in 10s); ejected for 30s");
    }

    @Test
    void failureRate_belowMinimumRequests_doesNotEject() {
        final OutlierDetector detector = detector(failureRate50Of20());

        report(detector, first, 0, 19);
        scheduler.advance(INTERVAL);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
    }

    @Test
    void failureRate_belowThreshold_doesNotEject() {
        final OutlierDetector detector = detector(failureRate50Of20());

        report(detector, first, 11, 9);
        scheduler.advance(INTERVAL);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
    }

    @Test
    void failureRate_requestsSpreadOverTwoIntervals_eachJudgedAlone() {
        final OutlierDetector detector = detector(failureRate50Of20());

        report(detector, first, 0, 15);
        scheduler.advance(INTERVAL);
        report(detector, first, 0, 15);
        scheduler.advance(INTERVAL);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(listener.changes()).isEmpty();
    }

    @Test
    void failureRate_ejectedEndpointReadmitted_evaluationGoesOn() {
        final OutlierDetector detector = detector(failureRate50Of20());
        report(detector, first, 0, 20);
        scheduler.advance(INTERVAL);

        scheduler.advance(BASE);
        report(detector, first, 0, 20);
        scheduler.advance(INTERVAL);

        assertThat(listener.verdicts()).containsExactly(false, true, false);
    }

    @Test
    void ejection_ofActivelyUnhealthyEndpoint_changesNothingListenersSee() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        first.health().setActiveHealthy(first, false, "3 failed probes", ticker.nanoTime(), HealthListener.NONE);

        fail(detector, first, 5);
        scheduler.advance(BASE);

        assertThat(first.health().ejectionCount()).isEqualTo(1);
        assertThat(listener.changes()).isEmpty();
    }

    @Test
    void close_thenFailures_nothingEjected() {
        final OutlierDetector detector = detector(failureRate50Of20());

        detector.close();
        report(detector, first, 0, 50);
        scheduler.advance(INTERVAL);

        assertThat(first.health().isHealthy(ticker.nanoTime())).isTrue();
        assertThat(scheduler.pending()).isZero();
    }

    @Test
    void close_withEjectionPending_ejectionStillEnds() {
        final OutlierDetector detector = detector(OutlierSettings.defaults());
        fail(detector, first, 5);

        detector.close();
        scheduler.advance(BASE);

        assertThat(first.health().isEjected(ticker.nanoTime())).isFalse();
        assertThat(listener.verdicts()).containsExactly(false, true);
    }

    @Test
    void newDetector_sameEndpoints_adoptsEjectionEndsItAndCountsItAgainstCap() {
        final OutlierDetector old = detector(OutlierSettings.defaults());
        fail(old, first, 5);
        old.close();
        final RecordingListener newListener = new RecordingListener();

        final OutlierDetector replacement = new OutlierDetector(OutlierSettings.defaults(), endpoints, scheduler,
                ticker, newListener);
        assertThat(replacement.ejectedCount()).isEqualTo(1);
        scheduler.advance(BASE);

        assertThat(first.health().isEjected(ticker.nanoTime())).isFalse();
        assertThat(replacement.ejectedCount()).isZero();
        assertThat(newListener.verdicts()).containsExactly(true);
        assertThat(listener.verdicts()).containsExactly(false); // the old detector's timer found it no longer owned
    }

    @Test
    void listener_throws_stateStillChangesAndCountingGoesOn() {
        final OutlierDetector detector = new OutlierDetector(OutlierSettings.defaults(), endpoints, scheduler,
                ticker, (endpoint, healthy, reason) -> {
                    throw new IllegalStateException("listener bug");
                });

        fail(detector, first, 5);
        scheduler.advance(BASE);
        fail(detector, first, 5);

        assertThat(first.health().ejectionCount()).isEqualTo(2);
    }

    private OutlierDetector detector(OutlierSettings settings) {
        return new OutlierDetector(settings, endpoints, scheduler, ticker, listener);
    }

    private static OutlierSettings failureRate50Of20() {
        return OutlierSettings.builder().consecutiveFailures(0).failureRate(50, 20).build();
    }

    private void fail(OutlierDetector detector, Endpoint endpoint, int times) {
        for (int i = 0; i < times; i++) {
            detector.onFailure(endpoint, ticker.nanoTime());
        }
    }

    /** Reports successes and failures in alternation, so that no run of failures is long. */
    private void report(OutlierDetector detector, Endpoint endpoint, int successes, int failures) {
        for (int i = 0; i < Math.max(successes, failures); i++) {
            if (i < successes) {
                detector.onSuccess(endpoint, ticker.nanoTime());
            }
            if (i < failures) {
                detector.onFailure(endpoint, ticker.nanoTime());
            }
        }
    }

    /** Gets {@code endpoint} ejected by {@code detector}, then lets the ejection run out. */
    private void offendAndServe(OutlierDetector detector, Endpoint endpoint) {
        fail(detector, endpoint, 5);
        scheduler.advance(remainingEjection(endpoint));
    }

    private Duration remainingEjection(Endpoint endpoint) {
        return Duration.ofNanos(endpoint.health().ejectedUntilNanos() - ticker.nanoTime());
    }

    private static List<Endpoint> endpoints(int count) {
        final List<Endpoint> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new Endpoint("10.0.0." + (i + 1), 8080, 1));
        }
        return list;
    }
}
