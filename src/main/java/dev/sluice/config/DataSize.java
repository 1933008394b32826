package dev.sluice.config;

/**
 * A size in bytes, written in configuration as {@code 512}, {@code 64kb}, {@code 10mb} or {@code 1gb}
 * (binary multiples: 1kb = 1024 bytes).
 */
public record DataSize(long bytes) {
    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
    }

    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    public static DataSize ofMebibytes(long mebibytes) {
        return new DataSize(mebibytes * 1024 * 1024);
    }
}
