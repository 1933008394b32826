package dev.sluice.config.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real file-system events through inotify; Awaitility waits for the debounced deliveries, nothing sleeps. */
class FileConfigSourceTest {
    private static final Duration DEBOUNCE = Duration.ofMillis(150);
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<String> received = new CopyOnWriteArrayList<>();
    private Path file;
    private FileConfigSource source;

    @BeforeEach
    void start() throws IOException {
        file = dir.resolve("gateway.yaml");
        Files.writeString(file, "v: 0\n");
        source = new FileConfigSource(file, received::add, DEBOUNCE);
        assertThat(source.start()).isEqualTo("v: 0\n");
    }

    @AfterEach
    void close() {
        source.close();
    }

    @Test
    void watch_write_deliversNewContent() throws IOException {
        Files.writeString(file, "v: 1\n");

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(received).containsExactly("v: 1\n"));
    }

    @Test
    void watch_renameReplace_deliversNewContent() throws IOException {
        final Path temp = dir.resolve(".gateway.yaml.swp");
        Files.writeString(temp, "v: renamed\n");
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(received).containsExactly("v: renamed\n"));
    }

    @Test
    void watch_twoQuickWrites_deliversLastContentOnce() throws IOException {
        Files.writeString(file, "v: first\n");
        Files.writeString(file, "v: second\n");

        await().atMost(PATIENCE).untilAsserted(() -> assertThat(received).containsExactly("v: second\n"));
    }

    @Test
    void watch_sameContentAgain_deliversNothing() throws IOException {
        Files.writeString(file, "v: 1\n");
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(received).containsExactly("v: 1\n"));

        Files.writeString(file, "v: 1\n");

        // The read happened and was recognised as a duplicate; only then is "nothing delivered" a real observation.
        await().atMost(PATIENCE).until(() -> source.droppedDuplicates() >= 1);
        assertThat(received).containsExactly("v: 1\n");
    }

    @Test
    void watch_baselineContentRewritten_deliversNothing() throws IOException {
        Files.writeString(file, "v: 0\n");

        await().atMost(PATIENCE).until(() -> source.droppedDuplicates() >= 1);
        assertThat(received).isEmpty();
    }

    @Test
    void close_thenWrite_deliversNothing() throws IOException {
        source.close();
        Files.writeString(file, "v: after close\n");

        assertThat(received).isEmpty();
    }
}
