package dev.sluice.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Sends raw bytes over a real socket and reads what comes back until the server closes the connection (or a
 * timeout passes): for malformed-request tests that an HTTP client library would refuse to send.
 */
public final class RawHttp {
    private RawHttp() {}

    /**
     * The outcome of one raw exchange.
     *
     * @param response everything read, as ISO-8859-1 text
     * @param closed   whether the server closed the connection before the timeout
     */
    public record Result(String response, boolean closed) {
        /** Number of HTTP responses in the text (status lines). */
        public int responseCount() {
            int n = 0;
            int i = 0;
            while ((i = response.indexOf("HTTP/1.1 ", i)) >= 0) {
                n++;
                i += 9;
            }
            return n;
        }

        public String statusLine() {
            final int end = response.indexOf("\r\n");
            return end < 0 ? response : response.substring(0, end);
        }
    }

    public static Result exchange(int port, String request, int timeoutMillis) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1), timeoutMillis);
    }

    public static Result exchange(int port, byte[] request, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(timeoutMillis);
            final OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            final InputStream in = socket.getInputStream();
            final ByteArrayOutputStream got = new ByteArrayOutputStream();
            final byte[] buf = new byte[8192];
            boolean closed = false;
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                }
                closed = true;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (IOException e) {
                closed = true; // reset counts as closed
            }
            return new Result(got.toString(StandardCharsets.ISO_8859_1), closed);
        }
    }
}
