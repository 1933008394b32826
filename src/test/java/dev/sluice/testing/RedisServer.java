package dev.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free loopback port, for tests: never the shared one on 6379, no
 * persistence ({@code --save "" --appendonly no}), its working directory and log in a temporary directory.
 *
 * <pre>{@code
 * try (RedisServer redis = RedisServer.start()) {
 *     final String uri = redis.uri();   // redis://127.0.0.1:<port>
 *     redis.stop();                     // down, for failure tests
 *     redis.restart();                  // up again on the same port, empty
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {
    private static final String BINARY = "/usr/bin/redis-server";

    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server on a free port and waits until it answers PING. */
    public static RedisServer start() {
        try {
            final Path dir = Files.createTempDirectory("sluice-redis");
            // A port found free can be taken before redis binds it; a second port almost never is.
            IllegalStateException last = null;
            for (int attempt = 0; attempt < 3; attempt++) {
                final RedisServer server = new RedisServer(freePort(), dir);
                try {
                    server.launch();
                    return server;
                } catch (IllegalStateException e) {
                    server.stop();
                    last = e;
                }
            }
            throw last;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Returns the process id of the running server. */
    public long pid() {
        return process.pid();
    }

    /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until the process is gone. */
    public void stop() {
        final Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the server again on the same port, with an empty dataset, and waits until it answers PING. */
    public void restart() {
        stop();
        launch();
    }

    /** Freezes the server (SIGSTOP): connections stay open but nothing is answered, as with a stalled Redis. */
    public void pause() {
        signal("-STOP");
    }

    /** Thaws a paused server (SIGCONT). */
    public void resume() {
        signal("-CONT");
    }

    /** Returns whether the server answers PING within 200 ms. */
    public boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(200);
            final OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final byte[] reply = new byte[7];
            final InputStream in = socket.getInputStream();
            int read = 0;
            while (read < reply.length) {
                final int n = in.read(reply, read, reply.length - read);
                if (n < 0) {
                    return false;
                }
                read += n;
            }
            return "+PONG\r\n".equals(new String(reply, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        resume();
        stop();
    }

    private void launch() {
        final List<String> cmd = List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString());
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": "
                            + Files.readString(dir.resolve("redis.log")));
                }
                return ping();
            });
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalStateException("redis-server on port " + port + " did not answer PING", e);
        }
    }

    private void signal(String signal) {
        final Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        try {
            final Process kill = new ProcessBuilder("kill", signal, Long.toString(p.pid())).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
