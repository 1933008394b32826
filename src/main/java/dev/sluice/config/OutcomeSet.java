package dev.sluice.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which outcomes of an upstream attempt a rule applies to (retry on, count as a breaker failure, eject on): the
 * gateway-side failures {@code connect_failure}, {@code reset} and {@code timeout}, and response statuses.
 *
 * <pre>{@code
 * on: [connect_failure, reset, 502, 503, 504]
 * failure_on: [5xx, timeout, connect_failure]
 * }</pre>
 *
 * @param connectFailure the connection could not be opened (refused, unreachable, connect timeout)
 * @param reset          the connection broke before the response head arrived
 * @param timeout        no response head within the per-try timeout
 * @param statuses       response statuses
 */
public record OutcomeSet(boolean connectFailure, boolean reset, boolean timeout, StatusSet statuses) {
    public static final String CONNECT_FAILURE = "connect_failure";
    public static final String RESET = "reset";
    public static final String TIMEOUT = "timeout";
    /** The accepted forms, for messages. */
    public static final String EXPECTED = "connect_failure, reset, timeout, a status like 503, a range like 500-504"
            + " or a class like 5xx";

    public OutcomeSet {
        Objects.requireNonNull(statuses, "statuses");
    }

    /**
     * Parses the configuration list.
     *
     * @throws IllegalArgumentException for the first token that is not an outcome, naming it
     */
    public static OutcomeSet parse(List<String> tokens) {
        boolean connect = false;
        boolean reset = false;
        boolean timeout = false;
        final List<String> statuses = new ArrayList<>();
        for (final String token : tokens) {
            switch (token.trim().toLowerCase(Locale.ROOT)) {
                case CONNECT_FAILURE -> connect = true;
                case RESET -> reset = true;
                case TIMEOUT -> timeout = true;
                default -> {
                    if (!StatusSet.isStatusToken(token)) {
                        throw new IllegalArgumentException(invalid(token));
                    }
                    statuses.add(token);
                }
            }
        }
        return new OutcomeSet(connect, reset, timeout, statuses.isEmpty() ? StatusSet.NONE : StatusSet.parse(statuses));
    }

    /** The problem with one token, or {@code null} when it is valid. */
    public static String check(String token) {
        final String t = token.trim().toLowerCase(Locale.ROOT);
        if (t.equals(CONNECT_FAILURE) || t.equals(RESET) || t.equals(TIMEOUT) || StatusSet.isStatusToken(token)) {
            return null;
        }
        return invalid(token);
    }

    private static String invalid(String token) {
        return "\"" + token + "\" is not an outcome (expected " + EXPECTED + ")";
    }
}
