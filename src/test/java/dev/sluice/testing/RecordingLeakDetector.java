package dev.sluice.testing;

import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Netty leak detector for the test JVM (installed with {@code -Dio.netty.customResourceLeakDetector}) that keeps
 * every leak report so {@link LeakCheckExtension} can fail the test class that caused it.
 */
public final class RecordingLeakDetector<T> extends ResourceLeakDetector<T> {
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
    }

    /** The constructor Netty's factory looks for first; without it Netty logs an error in every test JVM. */
    @SuppressWarnings("deprecation")
    public RecordingLeakDetector(Class<?> resourceType, int samplingInterval, long maxActive) {
        super(resourceType, samplingInterval, maxActive);
    }

    /** Reports recorded since the last call, which clears them. */
    public static List<String> drain() {
        final List<String> copy = List.copyOf(REPORTS);
        REPORTS.removeAll(copy);
        return copy;
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        REPORTS.add("LEAK of " + resourceType + ":" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        REPORTS.add("LEAK of " + resourceType + " (untraced)");
        super.reportUntracedLeak(resourceType);
    }
}
