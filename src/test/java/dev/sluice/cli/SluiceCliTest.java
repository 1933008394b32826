package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SluiceCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @BeforeEach
    void capture() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    private int run(String... args) {
        return new CommandLine(new SluiceCli()).execute(args);
    }

    @Test
    void validate_validFile_exitsZeroAndSaysOk(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("ok.yaml");
        Files.writeString(file, """
                upstreams:
                  u: { targets: [ { url: "http://127.0.0.1:9001" } ] }
                routes:
                  - { id: r, match: { path_prefix: /api }, upstream: u }
                """);

        assertThat(run("validate", "-c", file.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OK (1 routes, 1 upstreams)");
    }

    @Test
    void validate_fileWithSeveralMistakes_listsEveryProblemByPathAndExitsTwo(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("bad.yaml");
        Files.writeString(file, """
                server:
                  workers: abc
                upstreams:
                  u: { targets: [ { url: "ftp://x" } ] }
                routes:
                  - { id: r, match: { path: users }, upstream: u }
                  - { id: s, match: { path: "/x" }, upstream: missing }
                """);

        assertThat(run("validate", "-c", file.toString())).isEqualTo(SluiceCli.EXIT_INVALID_CONFIG);
        final String printed = err.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("server.workers", "upstreams.u.targets[0].url", "routes[0].match.path",
                "routes[1].upstream");
    }

    @Test
    void validate_templateThatDoesNotCompile_reportsRouterProblemByPath(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("bad-template.yaml");
        Files.writeString(file, """
                routes:
                  - { id: r, match: { path: "/users/{id" }, static_response: { status: 200 } }
                """);

        assertThat(run("validate", "-c", file.toString())).isEqualTo(SluiceCli.EXIT_INVALID_CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("routes[0].match.path");
    }

    @Test
    void validate_missingFile_exitsTwoWithMessage(@TempDir Path dir) {
        assertThat(run("validate", "-c", dir.resolve("nope.yaml").toString()))
                .isEqualTo(SluiceCli.EXIT_INVALID_CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("nope.yaml");
    }

    @Test
    void version_printsVersion() {
        assertThat(run("version")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("sluice ");
    }

    @Test
    void help_onEachCommand_exitsZero() {
        for (String command : new String[] {"run", "validate", "version", "echo"}) {
            out.reset();
            assertThat(run(command, "--help")).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: sluice " + command);
        }
    }
}
