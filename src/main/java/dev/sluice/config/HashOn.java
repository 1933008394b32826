package dev.sluice.config;

/**
 * What a consistent-hash balancer hashes, written {@code header:X-User}, {@code cookie:session},
 * {@code client_ip} or {@code path}.
 *
 * @param source where the key comes from
 * @param name   header or cookie name; {@code null} for {@code client_ip} and {@code path}
 */
public record HashOn(Source source, String name) {
    /** Where the hash key is read from. */
    public enum Source { HEADER, COOKIE, CLIENT_IP, PATH }
}
