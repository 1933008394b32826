package dev.sluice.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran (auto-registered for every test class).
 *
 * <p>Netty reports a leak only when a tracked buffer was garbage-collected unreleased and a later allocation polls
 * the detector's queue; so after the class, this forces a GC and allocates a few tracked buffers before reading
 * the reports.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                final ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(16);
                final ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(16);
                final ByteBuf c = io.netty.buffer.ByteBufAllocator.DEFAULT.buffer(16);
                a.release();
                b.release();
                c.release();
            }
        }
        final List<String> leaks = RecordingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) reported during "
                    + context.getDisplayName() + ":\n" + String.join("\n", leaks));
        }
    }
}
