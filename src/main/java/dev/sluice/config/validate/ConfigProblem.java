package dev.sluice.config.validate;

import java.util.Objects;

/**
 * One thing wrong with a configuration, located by its path in the document.
 *
 * <p>Paths use dots for mapping keys and brackets for list indexes, e.g. {@code routes[2].match.path} or
 * {@code upstreams.users.targets[0].url}; a key that is not a plain word is quoted: {@code upstreams["a.b"]}.
 * An empty path means the document as a whole (empty file, syntax error).
 *
 * @param path    where the problem is; empty for the whole document
 * @param message what is wrong, naming the value and what was expected
 */
public record ConfigProblem(String path, String message) {
    public ConfigProblem {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    /** {@code path: message}, or just the message for a document-level problem. */
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
