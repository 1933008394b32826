package dev.sluice.policy.breaker;

import static dev.sluice.policy.breaker.BreakerState.CLOSED;
import static dev.sluice.policy.breaker.BreakerState.HALF_OPEN;
import static dev.sluice.policy.breaker.BreakerState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Random sequences of acquire, success, failure, slow success, ignore, timer tick and time steps, run against the
 * breaker and against {@link Model}, a naive single-threaded reading of the semantics that keeps every call and
 * re-evaluates the whole window after each one. Every decision, state, figure and event must agree, and the events
 * must form a legal sequence.
 */
class CircuitBreakerPropertyTest {
    private static final long MS = 1_000_000;
    private static final long SLOW_NANOS = 50 * MS;
    private static final long START = 1_700_000_000_123_456_789L;
    private static final Set<String> LEGAL = Set.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN",
            "HALF_OPEN->CLOSED");

    @Property(tries = 300)
    void anySequence_matchesReferenceModelAndOnlyLegalTransitions(
            @ForAll boolean countWindow,
            @ForAll @IntRange(min = 1, max = 8) int windowSize,
            @ForAll @IntRange(min = 1, max = 8) int minimumCalls,
            @ForAll @DoubleRange(min = 0.05, max = 1.0) double failureRateThreshold,
            @ForAll @DoubleRange(min = 0.05, max = 1.0) double slowCallRateThreshold,
            @ForAll boolean tracksSlowCalls,
            @ForAll @IntRange(min = 1, max = 4) int trialCalls,
            @ForAll @Size(min = 1, max = 400) List<@IntRange(min = 0, max = 699) Integer> ops) {
        final BreakerSettings settings = new BreakerSettings(countWindow ? WindowKind.COUNT : WindowKind.TIME,
                windowSize, countWindow ? Math.min(minimumCalls, windowSize) : minimumCalls, failureRateThreshold,
                slowCallRateThreshold, tracksSlowCalls ? SLOW_NANOS : 0, 2_000 * MS, trialCalls);
        final FakeTicker ticker = new FakeTicker(START);
        final List<String> events = new ArrayList<>();
        final CircuitBreaker breaker = new CircuitBreaker("p", settings, ticker,
                (b, from, to, figures) -> events.add(from + "->" + to + "#" + figures.generation() + " "
                        + figures.calls() + "/" + figures.failedCalls() + "/" + figures.slowCalls()));
        final Model model = new Model(settings, START);
        final List<Long> held = new ArrayList<>();

        for (final int op : ops) {
            final int arg = op / 7;
            switch (op % 7) {
                case 0 -> {
                    final long permit = breaker.tryAcquire();
                    assertThat(permit).isEqualTo(model.tryAcquire());
                    if (CircuitBreaker.isPermitted(permit)) {
                        held.add(permit);
                    }
                }
                case 1, 2, 3 -> {
                    if (!held.isEmpty()) {
                        final long permit = held.remove(arg % held.size());
                        final boolean failed = op % 7 == 2;
                        final long duration = op % 7 == 3 ? SLOW_NANOS : 1;
                        if (failed) {
                            breaker.onFailure(permit, duration);
                        } else {
                            breaker.onSuccess(permit, duration);
                        }
                        model.result(permit, failed, duration);
                    }
                }
                case 4 -> {
                    if (!held.isEmpty()) {
                        final long permit = held.remove(arg % held.size());
                        breaker.onIgnored(permit);
                        model.ignore(permit);
                    }
                }
                case 5 -> {
                    final long step = new long[] {1, 100 * MS, 999 * MS, 1_000 * MS, 2_000 * MS, 7_000 * MS}[arg % 6];
                    model.now = ticker.advance(Duration.ofNanos(step));
                }
                default -> assertThat(breaker.transitionToHalfOpenIfDue()).isEqualTo(model.timerTick());
            }

            final BreakerSnapshot s = breaker.snapshot();
            assertThat(s.state()).isEqualTo(breaker.state()).isEqualTo(model.state);
            assertThat(s.generation()).isEqualTo(model.generation);
            assertThat(new long[] {s.calls(), s.failedCalls(), s.slowCalls()}).containsExactly(model.counts());
            assertThat(s.failedCalls()).isLessThanOrEqualTo(s.calls());
            assertThat(s.slowCalls()).isLessThanOrEqualTo(s.calls());
            assertThat(s.trialPermitsInUse()).isEqualTo(model.state == HALF_OPEN ? model.out : 0)
                    .isBetween(0, trialCalls);
            assertThat(breaker.openUntilNanos()).isEqualTo(model.state == OPEN ? model.openUntil : 0);
        }

        assertThat(events).isEqualTo(model.events);
        for (int i = 0; i < events.size(); i++) {
            assertThat(LEGAL).contains(events.get(i).substring(0, events.get(i).indexOf('#')));
            assertThat(events.get(i)).contains("#" + (i + 1) + " ");
        }
    }

    /** The semantics written down as plainly as possible: all calls kept, everything recomputed. */
    private static final class Model {
        final BreakerSettings s;
        final List<String> events = new ArrayList<>();
        /** (end time, failed, slow) of the calls of the current CLOSED generation, oldest first. */
        final List<long[]> calls = new ArrayList<>();
        long now;
        BreakerState state = CLOSED;
        long generation;
        long openUntil;
        int out;
        int reported;
        int failed;
        int slow;
        long[] openCause;

        Model(BreakerSettings s, long now) {
            this.s = s;
            this.now = now;
        }

        long tryAcquire() {
            if (state == OPEN && now >= openUntil) {
                moveTo(HALF_OPEN);
            }
            if (state == CLOSED) {
                return generation;
            }
            if (state == HALF_OPEN && out + reported < s.trialCalls()) {
                out++;
                return generation;
            }
            return -1;
        }

        boolean timerTick() {
            if (state == OPEN && now >= openUntil) {
                moveTo(HALF_OPEN);
                return true;
            }
            return false;
        }

        void result(long permit, boolean isFailure, long duration) {
            if (permit != generation) {
                return;
            }
            final boolean isSlow = s.slowCallNanos() > 0 && duration >= s.slowCallNanos();
            if (state == CLOSED) {
                calls.add(new long[] {now, isFailure ? 1 : 0, isSlow ? 1 : 0});
                final long[] c = counts();
                if (c[0] >= s.minimumCalls() && tooMany(c[1], c[2], c[0])) {
                    moveTo(OPEN);
                }
            } else if (state == HALF_OPEN && out > 0) {
                out--;
                reported++;
                failed += isFailure ? 1 : 0;
                slow += isSlow ? 1 : 0;
                if (tooMany(failed, slow, s.trialCalls())) {
                    moveTo(OPEN);
                } else if (reported == s.trialCalls()) {
                    moveTo(CLOSED);
                }
            }
        }

        void ignore(long permit) {
            if (permit == generation && state == HALF_OPEN && out > 0) {
                out--;
            }
        }

        /** The figures a snapshot shows: the window (CLOSED), the counts that tripped (OPEN), the trials. */
        long[] counts() {
            if (state == HALF_OPEN) {
                return new long[] {reported, failed, slow};
            }
            if (state == OPEN) {
                return openCause;
            }
            final List<long[]> inWindow = new ArrayList<>();
            if (s.window() == WindowKind.COUNT) {
                inWindow.addAll(calls.subList(Math.max(0, calls.size() - s.windowSize()), calls.size()));
            } else {
                final long bucket = s.windowSize() * 100_000_000L;
                final long current = Math.floorDiv(now, bucket);
                for (final long[] c : calls) {
                    if (Math.floorDiv(c[0], bucket) > current - 10) {
                        inWindow.add(c);
                    }
                }
            }
            return new long[] {inWindow.size(), inWindow.stream().mapToLong(c -> c[1]).sum(),
                    inWindow.stream().mapToLong(c -> c[2]).sum()};
        }

        private boolean tooMany(long f, long sl, long of) {
            return (double) f / of >= s.failureRateThreshold()
                    || s.slowCallNanos() > 0 && (double) sl / of >= s.slowCallRateThreshold();
        }

        private void moveTo(BreakerState to) {
            final long[] cause = state == OPEN ? openCause : counts();
            events.add(state + "->" + to + "#" + (generation + 1) + " " + cause[0] + "/" + cause[1] + "/" + cause[2]);
            generation++;
            state = to;
            if (to == OPEN) {
                openUntil = now + s.openNanos();
                openCause = cause;
            }
            out = 0;
            reported = 0;
            failed = 0;
            slow = 0;
            calls.clear();
        }
    }
}
