package dev.sluice.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loopback port where a TCP connect hangs instead of failing: a listener that never accepts, whose accept queue
 * is filled up, so the kernel drops further SYNs and the connecting side waits for its own timeout. For connect
 * timeouts without a non-routable address (which a sandbox may answer, or refuse at once).
 *
 * <p>{@link #open()} checks that a connect really hangs here, and fails loudly when the kernel behaves otherwise.
 */
public final class BlackholePort implements AutoCloseable {
    /** Enough for any backlog the kernel rounds 1 up to; the loop stops at the first connect that hangs. */
    private static final int MAX_FILLERS = 16;
    private static final int PROBE_MILLIS = 300;

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    private BlackholePort() throws IOException {
        this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    /** Opens the port and fills its accept queue until a connect to it hangs. */
    public static BlackholePort open() throws IOException {
        final BlackholePort port = new BlackholePort();
        try {
            for (int i = 0; i < MAX_FILLERS; i++) {
                final Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port.port()), PROBE_MILLIS);
                } catch (SocketTimeoutException e) {
                    s.close();
                    return port; // the queue is full: this connect hung for the whole probe time
                }
                port.fillers.add(s);
            }
            throw new IllegalStateException("connects to a full accept queue do not hang on this machine: "
                    + MAX_FILLERS + " connects to port " + port.port() + " succeeded");
        } catch (IOException | RuntimeException e) {
            port.close();
            throw e;
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
