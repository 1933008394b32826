package dev.sluice.testing;

import java.util.List;

/** Collects the JSON lines the gateway writes to the {@code sluice.access} log while it is open. */
public final class AccessLogCapture implements AutoCloseable {
    private final LogCapture capture;

    private AccessLogCapture(LogCapture capture) {
        this.capture = capture;
    }

    /** Starts collecting. */
    public static AccessLogCapture open() {
        return new AccessLogCapture(LogCapture.open("sluice.access"));
    }

    /** The lines so far, oldest first, without the level {@link LogCapture} puts in front. */
    public List<String> lines() {
        return capture.lines().stream().map(line -> line.substring(line.indexOf(' ') + 1)).toList();
    }

    @Override
    public void close() {
        capture.close();
    }
}
