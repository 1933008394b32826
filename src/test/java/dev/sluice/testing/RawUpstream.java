package dev.sluice.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An upstream that answers every request with fixed raw bytes and then closes the connection: for responses a real
 * HTTP server would not send (a body cut short, a broken head).
 *
 * <p>Threading: one daemon thread accepts and serves connections one at a time; tests only read its counters.
 */
public final class RawUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] response;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    private RawUpstream(String response) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.response = response.getBytes(StandardCharsets.ISO_8859_1);
        this.acceptor = new Thread(this::serve, "raw-upstream-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Starts an upstream on a free loopback port that writes {@code response} (ISO-8859-1) after each head. */
    public static RawUpstream start(String response) throws IOException {
        return new RawUpstream(response);
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Connections accepted since start. */
    public int connections() {
        return connections.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                connections.incrementAndGet();
                readHead(s.getInputStream());
                s.getOutputStream().write(response);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // closed server socket or a client that went away: nothing to serve
            }
        }
    }

    /** Reads up to the blank line that ends a request head (bodiless requests only). */
    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) >= 0) {
            final boolean expected = (matched % 2 == 0) ? b == '\r' : b == '\n';
            matched = expected ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }
}
