package dev.sluice.upstream.balance;

/**
 * A fast, well-mixed, non-cryptographic 64-bit hash of character sequences, for consistent hashing.
 *
 * <p>Algorithm: an xxHash64-style loop that packs four UTF-16 chars into one 64-bit lane per round (a quarter of the
 * multiplies of a char-by-char FNV loop), folds the tail char by char, and ends with the MurmurHash3 64-bit finalizer
 * ({@code fmix64}) so that every input bit affects every output bit. It is stable across JVMs and releases, because
 * ring positions are derived from it and must not move when the gateway is upgraded.
 *
 * <p>Not for untrusted-input hash tables: an attacker who can choose keys can aim them at one endpoint. That is
 * acceptable here because the key already lets a client choose its endpoint by design (stickiness).
 *
 * <p>References: [1] Y. Collet, xxHash specification (XXH64 primes and round). [2] A. Appleby, MurmurHash3,
 * {@code fmix64}.
 */
final class Hash64 {
    // XXH64 primes [1].
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private Hash64() {
    }

    /** Hashes the UTF-16 chars of {@code key}; allocates nothing. */
    static long hash(CharSequence key) {
        final int length = key.length();
        long h = P5 + length;
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            final long lane = key.charAt(i)
                    | (long) key.charAt(i + 1) << 16
                    | (long) key.charAt(i + 2) << 32
                    | (long) key.charAt(i + 3) << 48;
            h ^= Long.rotateLeft(lane * P2, 31) * P1;
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        for (; i < length; i++) {
            h ^= key.charAt(i) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        return mix(h ^ P3);
    }

    /** The MurmurHash3 {@code fmix64} finalizer [2]: a bijection with full avalanche. */
    static long mix(long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h;
    }
}
