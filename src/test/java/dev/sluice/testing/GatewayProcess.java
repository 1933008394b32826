package dev.sluice.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the gateway in a separate JVM ({@code sluice run -c FILE}) with its own JVM flags, for tests that need a
 * small heap or a real SIGTERM. The child uses the test JVM's class path; its output goes to a log file.
 */
public final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path log;

    private GatewayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the gateway on {@code yaml}, in which {@code ${PORT}} is replaced by a free port, and waits until it
     * accepts connections.
     */
    public static GatewayProcess start(String yaml, List<String> jvmArgs, Path dir) throws IOException {
        final int port = freePort();
        final Path config = dir.resolve("gateway.yaml");
        Files.writeString(config, yaml.replace("${PORT}", Integer.toString(port)));
        final Path log = dir.resolve("gateway.log");
        final List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.sluice.cli.SluiceCli");
        cmd.add("run");
        cmd.add("-c");
        cmd.add(config.toString());
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        final GatewayProcess gp = new GatewayProcess(p, port, log);
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                if (!p.isAlive()) {
                    throw new AssertionError("gateway exited with " + p.exitValue() + ":\n" + gp.output());
                }
                return canConnect(port);
            });
        } catch (RuntimeException | AssertionError e) {
            gp.close();
            throw e;
        }
        return gp;
    }

    public int port() {
        return port;
    }

    public Process process() {
        return process;
    }

    /** Everything the child printed so far. */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    /** Sends SIGTERM (what {@link Process#destroy()} does on Unix). */
    public void terminate() {
        process.destroy();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
