package dev.sluice.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.x client on one keep-alive socket: sends exactly the bytes a test writes and parses responses one at
 * a time, for headers the JDK client refuses to send (Host, Connection, Expect...) and for pipelining.
 *
 * <pre>{@code
 * try (RawClient c = RawClient.connect(gw.port())) {
 *     c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
 *     RawClient.Response r = c.read(false);
 * }
 * }</pre>
 */
public final class RawClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code 127.0.0.1:port} with a 10 s read timeout. */
    public static RawClient connect(int port) throws IOException {
        final Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        return new RawClient(s);
    }

    /** Sets the read timeout, for tests that expect silence. */
    public RawClient timeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
        return this;
    }

    /** Writes {@code text} (ISO-8859-1) and flushes. */
    public RawClient send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** {@code GET path} with {@code Host: test} and the extra header lines given ("Name: value"). */
    public Response get(String path, String... headerLines) throws IOException {
        final StringBuilder sb = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: test\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        send(sb.append("\r\n").toString());
        return read(false);
    }

    /**
     * Reads one response. {@code headRequest}: the response answers HEAD, so no body follows whatever the headers
     * say. A body without Content-Length or chunked coding is read until the server closes.
     */
    public Response read(boolean headRequest) throws IOException {
        final String statusLine = line();
        if (statusLine == null) {
            throw new IOException("connection closed before a response");
        }
        final Map<String, List<String>> headers = new LinkedHashMap<>();
        String h;
        while ((h = line()) != null && !h.isEmpty()) {
            final int colon = h.indexOf(':');
            headers.computeIfAbsent(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(h.substring(colon + 1).trim());
        }
        final int status = Integer.parseInt(statusLine.split(" ")[1]);
        final Response head = new Response(statusLine, status, headers, "", true);
        if (headRequest || status < 200 || status == 204 || status == 304) {
            return head;
        }
        final String length = head.header("content-length");
        final String te = head.header("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            return head.withBody(readChunked(), true);
        }
        if (length != null) {
            final int n = Integer.parseInt(length);
            final byte[] body = in.readNBytes(n);
            return head.withBody(new String(body, StandardCharsets.UTF_8), body.length == n);
        }
        return head.withBody(new String(in.readAllBytes(), StandardCharsets.UTF_8), true);
    }

    /** True when the server closed the connection (a read returns end of stream within the timeout). */
    public boolean isClosedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset counts as closed
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private String readChunked() throws IOException {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            final String sizeLine = line();
            if (sizeLine == null) {
                throw new IOException("connection closed inside a chunked body");
            }
            final int semi = sizeLine.indexOf(';');
            final int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = line()) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return body.toString(StandardCharsets.UTF_8);
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    /** One CRLF-terminated line without the CRLF, or null at end of stream. */
    private String line() throws IOException {
        final StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                final int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) b);
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /**
     * One parsed response.
     *
     * @param statusLine the status line as received
     * @param status     the status code
     * @param headers    lower-case header names to all values, in order
     * @param body       the body as UTF-8 text
     * @param complete   false when the connection ended before the framed body did
     */
    public record Response(String statusLine, int status, Map<String, List<String>> headers, String body,
            boolean complete) {
        public String header(String name) {
            final List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        Response withBody(String newBody, boolean isComplete) {
            return new Response(statusLine, status, headers, newBody, isComplete);
        }
    }
}
