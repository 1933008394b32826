package dev.sluice.proxy;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: the client's {@code X-Request-Id} when it is sane, otherwise 32 random hex digits (128 bits, as
 * many as a UUID, without UUID's SecureRandom cost on the event loop).
 */
public final class RequestIds {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    /** Longest client-supplied id kept; longer ones are replaced so logs and headers stay bounded. */
    private static final int MAX_LENGTH = 128;

    private RequestIds() {}

    /** {@code supplied} if it is a usable id (1..128 visible ASCII characters, no quotes), else a new id. */
    public static String accept(String supplied) {
        return supplied != null && isValid(supplied) ? supplied : generate();
    }

    public static String generate() {
        final ThreadLocalRandom r = ThreadLocalRandom.current();
        final char[] id = new char[32];
        long bits = r.nextLong();
        for (int i = 0; i < 16; i++) {
            id[i] = HEX[(int) (bits & 0xF)];
            bits >>>= 4;
        }
        bits = r.nextLong();
        for (int i = 16; i < 32; i++) {
            id[i] = HEX[(int) (bits & 0xF)];
            bits >>>= 4;
        }
        return new String(id);
    }

    static boolean isValid(String id) {
        if (id.isEmpty() || id.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            final char c = id.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
