package dev.sluice.config;

import java.util.Locale;
import java.util.Objects;

/**
 * What a consistent-hash balancer hashes, written {@code header:X-User}, {@code cookie:session},
 * {@code client_ip} or {@code path}.
 *
 * @param source where the key comes from
 * @param name   header or cookie name; {@code null} for {@code client_ip} and {@code path}
 */
public record HashOn(Source source, String name) {
    public HashOn {
        Objects.requireNonNull(source, "source");
    }

    /**
     * Parses the configuration form. The {@code header:} and {@code cookie:} prefixes are case-insensitive; the name
     * after them is kept as written (cookie names are case-sensitive).
     *
     * @throws IllegalArgumentException naming the value and listing the accepted forms
     */
    public static HashOn parse(String text) {
        Objects.requireNonNull(text, "text");
        final String s = text.trim();
        final String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("client_ip")) {
            return new HashOn(Source.CLIENT_IP, null);
        }
        if (lower.equals("path")) {
            return new HashOn(Source.PATH, null);
        }
        if (lower.startsWith("header:") && s.length() > "header:".length()) {
            return new HashOn(Source.HEADER, s.substring("header:".length()).trim());
        }
        if (lower.startsWith("cookie:") && s.length() > "cookie:".length()) {
            return new HashOn(Source.COOKIE, s.substring("cookie:".length()).trim());
        }
        throw new IllegalArgumentException("\"" + text
                + "\" is not a hash key (expected header:<name>, cookie:<name>, client_ip or path)");
    }

    @Override
    public String toString() {
        switch (source) {
            case HEADER:
                return "header:" + name;
            case COOKIE:
                return "cookie:" + name;
            default:
                return source.name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the hash key is read from. */
    public enum Source { HEADER, COOKIE, CLIENT_IP, PATH }
}
