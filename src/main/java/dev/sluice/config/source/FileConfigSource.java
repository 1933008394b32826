package dev.sluice.config.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one configuration file and hands each new content to a listener, once per distinct content.
 *
 * <pre>{@code
 * FileConfigSource source = new FileConfigSource(Path.of("gateway.yaml"), text -> reload(text));
 * String initial = source.start();   // watching begins before this read, so no change can slip in between
 * ...
 * source.close();
 * }</pre>
 *
 * <p>Threading: a watcher thread blocks on the {@link WatchService}; every event is handed to a single scheduler
 * thread this class owns, which debounces, reads, de-duplicates and calls the listener. The listener therefore runs
 * on that one thread, never concurrently with itself and never on a Netty event loop; it may block (it compiles a
 * snapshot).
 *
 * <p>Algorithm: the parent directory is watched, not the file, because editors (vim, IntelliJ) and Kubernetes
 * ConfigMap updates replace the file by renaming another one over it (or by swapping a {@code ..data} symlink), which
 * a watch on the old inode would never report. Any event in the directory (and an overflow) schedules a read after
 * the debounce delay; a newer event reschedules it, so a burst (truncate + write, or several saves) produces one
 * read of the final content. The SHA-256 of the last delivered content drops reads that changed nothing (touch,
 * chmod, unrelated files in the directory, an editor writing the same bytes).
 *
 * <p>Invariants: {@code pending} and {@code lastDigest} are touched only on the scheduler thread, so they need no
 * synchronisation.
 */
public final class FileConfigSource implements AutoCloseable {
    /** Long enough to cover an editor's truncate-then-write and a rename dance, short enough to feel immediate. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(150);

    private static final Logger LOG = LoggerFactory.getLogger(FileConfigSource.class);

    private final Path file;
    private final Consumer<String> listener;
    private final Duration debounce;
    private final ScheduledExecutorService scheduler;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong droppedDuplicates = new AtomicLong();
    private volatile WatchService watchService;
    private volatile Thread watcher;
    private ScheduledFuture<?> pending;
    private byte[] lastDigest;

    /** A source for {@code file} with the {@link #DEFAULT_DEBOUNCE default debounce}. */
    public FileConfigSource(Path file, Consumer<String> listener) {
        this(file, listener, DEFAULT_DEBOUNCE);
    }

    /**
     * A source for {@code file} that waits {@code debounce} after the last file-system event before reading.
     *
     * @param file     the configuration file; its parent directory must exist
     * @param listener receives each new content (UTF-8 decoded) on the source's scheduler thread
     * @param debounce quiet time before a read
     */
    public FileConfigSource(Path file, Consumer<String> listener, Duration debounce) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.listener = Objects.requireNonNull(listener, "listener");
        this.debounce = Objects.requireNonNull(debounce, "debounce");
        if (debounce.isNegative()) {
            throw new IllegalArgumentException("debounce: " + debounce + " (expected: >= 0)");
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread thread = new Thread(r, "sluice-config-file-" + this.file.getFileName());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts watching and returns the file's current content, which becomes the baseline: the listener is only
     * called for content that differs from it. The watch is registered before the read, so a change made right
     * after the read is still reported.
     *
     * @throws IOException if the directory cannot be watched or the file cannot be read
     * @throws IllegalStateException if already started or closed
     */
    public String start() throws IOException {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("start: source for " + file + " (expected: not yet started or closed)");
        }
        final Path directory = file.getParent();
        final WatchService service = directory.getFileSystem().newWatchService();
        try {
            directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            final byte[] content = Files.readAllBytes(file);
            final byte[] digest = sha256(content);
            // Hand the baseline to the scheduler thread, which owns lastDigest; it runs before any reload task.
            scheduler.execute(() -> lastDigest = digest);
            watchService = service;
            final Thread thread = new Thread(this::watchLoop, "sluice-config-watch-" + file.getFileName());
            thread.setDaemon(true);
            watcher = thread;
            thread.start();
            return new String(content, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            service.close();
            throw e;
        }
    }

    /** Stops watching; a pending read is cancelled and the listener is not called afterwards. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        final WatchService service = watchService;
        if (service != null) {
            try {
                // Wakes the watcher thread from take() with ClosedWatchServiceException.
                service.close();
            } catch (IOException e) {
                LOG.warn("closing the watch on {} failed", file, e);
            }
        }
        scheduler.shutdownNow();
    }

    /** How many reads found content identical to the last delivered one; for tests. */
    long droppedDuplicates() {
        return droppedDuplicates.get();
    }

    private void watchLoop() {
        final WatchService service = watchService;
        try {
            while (!closed.get()) {
                final WatchKey key = service.take();
                // The events' kinds and names are not needed: any change in the directory may be ours (rename,
                // symlink swap), and the digest check below makes a spurious read harmless.
                key.pollEvents();
                if (!key.reset()) {
                    LOG.warn("the directory of {} is no longer watchable; configuration changes are not seen", file);
                    return;
                }
                scheduleRead();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException e) {
            // close() was called: the normal way out.
        }
    }

    private void scheduleRead() {
        try {
            scheduler.execute(() -> {
                if (pending != null) {
                    pending.cancel(/* mayInterruptIfRunning= */ false);
                }
                pending = scheduler.schedule(this::readAndDeliver, debounce.toNanos(), TimeUnit.NANOSECONDS);
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // Closed between take() and here; nothing to deliver any more.
        }
    }

    private void readAndDeliver() {
        pending = null;
        if (closed.get()) {
            return;
        }
        final byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            // Mid-rename or deleted; the create event that follows a replacement schedules another read.
            LOG.debug("{} is missing; waiting for it to reappear", file);
            return;
        } catch (IOException e) {
            LOG.warn("reading {} failed; keeping the current configuration", file, e);
            return;
        }
        final byte[] digest = sha256(content);
        if (Arrays.equals(digest, lastDigest)) {
            droppedDuplicates.incrementAndGet();
            return;
        }
        lastDigest = digest;
        try {
            listener.accept(new String(content, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            // A listener bug must not stop the watch: the next change gets another chance.
            LOG.error("configuration listener failed for {}", file, e);
        }
    }

    private static byte[] sha256(byte[] content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content);
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest javadoc), so this cannot happen.
            throw new AssertionError("SHA-256 unavailable", e);
        }
    }
}
