package dev.sluice.routing;

/**
 * Normalises a request's URI path before routing, or rejects it.
 *
 * <p>Routing, policies and the upstream must all see the same path, otherwise a request for
 * {@code /public/%2e%2e/admin} passes a rule written for {@code /admin} and reaches it anyway. The rules, in order:
 * <ol>
 *   <li>The path must start with {@code '/'}.</li>
 *   <li>Raw control characters (0x00-0x1F, 0x7F), space and non-ASCII characters are rejected: a conforming client
 *       percent-encodes them (RFC 3986 §2.1), so their presence means a broken or hostile client.</li>
 *   <li>Percent escapes of unreserved characters ({@code ALPHA DIGIT - . _ ~}) are decoded, every other escape keeps
 *       its encoding with upper-case hex (RFC 3986 §6.2.2.1-2). Malformed escapes and {@code %00} are rejected.
 *       {@code %2F} stays encoded, so decoding never creates a new segment boundary.</li>
 *   <li>Runs of {@code '/'} collapse into one.</li>
 *   <li>Dot segments are removed as in RFC 3986 §5.2.4, after decoding (so {@code %2e%2e} counts as {@code ..});
 *       {@code ..} above the root stays at the root.</li>
 *   <li>A trailing {@code '/'} is kept ({@code /a/b/..} becomes {@code /a/}, as §5.2.4 specifies).</li>
 * </ol>
 *
 * <p>The result is idempotent: normalising a normalised path returns the same String instance, and an already
 * normal path takes a fast path that allocates nothing.
 *
 * <pre>{@code
 * PathNormalizer.normalize("/public/../admin");   // "/admin"
 * PathNormalizer.normalize("//a/%7euser/%2f");    // "/a/~user/%2F"
 * PathNormalizer.normalize("/a%zz");              // null -> 400
 * }</pre>
 *
 * <p>Threading: stateless, safe from any thread.
 *
 * <p>References: [1] RFC 3986 §2.1, §2.3, §5.2.4, §6.2.2; [2] RFC 9110 §4.2.3.
 */
public final class PathNormalizer {

    // Verdicts of scan().
    private static final int NORMAL = 0;
    private static final int REJECT = 1;
    private static final int REWRITE = 2;

    private PathNormalizer() {
    }

    /**
     * Returns the normalised form of {@code rawPath}, or {@code null} when the request must be rejected with 400.
     *
     * @param rawPath the URI path without query or fragment; {@code null} is rejected
     * @return the normalised path (the same instance if it was already normal), or {@code null}
     */
    public static String normalize(final String rawPath) {
        if (rawPath == null || rawPath.isEmpty() || rawPath.charAt(0) != '/') {
            return null;
        }
        final int verdict = scan(rawPath);
        if (verdict == NORMAL) {
            return rawPath;
        }
        if (verdict == REJECT) {
            return null;
        }
        return rewrite(rawPath);
    }

    /**
     * Classifies the path in one pass without allocating. A REWRITE verdict may still turn into a rejection later,
     * but only REJECT is final: every rejection cause is detected here, so {@link #rewrite} never sees one.
     */
    private static int scan(final String p) {
        final int len = p.length();
        int verdict = NORMAL;
        int segStart = 1;
        for (int i = 1; i < len; i++) {
            final char c = p.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                return REJECT;
            }
            if (c == '%') {
                if (i + 2 >= len) {
                    return REJECT;
                }
                final char h1 = p.charAt(i + 1);
                final char h2 = p.charAt(i + 2);
                final int hi = hexValue(h1);
                final int lo = hexValue(h2);
                if (hi < 0 || lo < 0) {
                    return REJECT;
                }
                final int decoded = (hi << 4) | lo;
                if (decoded == 0) {
                    return REJECT;
                }
                if (isUnreserved(decoded) || isLowerHex(h1) || isLowerHex(h2)) {
                    verdict = REWRITE;
                }
                i += 2;
            } else if (c == '/') {
                if (i == segStart || isDotSegment(p, segStart, i)) {
                    verdict = REWRITE;
                }
                segStart = i + 1;
            }
        }
        if (isDotSegment(p, segStart, len)) {
            verdict = REWRITE;
        }
        return verdict;
    }

    /** Decodes, collapses slashes and removes dot segments; the input passed {@link #scan} without rejection. */
    private static String rewrite(final String p) {
        final int len = p.length();
        // Pass 1: decode unreserved escapes and upper-case the rest. Decoding only shrinks the text.
        final char[] dec = new char[len];
        int dn = 0;
        for (int i = 0; i < len; i++) {
            final char c = p.charAt(i);
            if (c == '%') {
                final int v = (hexValue(p.charAt(i + 1)) << 4) | hexValue(p.charAt(i + 2));
                if (isUnreserved(v)) {
                    dec[dn++] = (char) v;
                } else {
                    dec[dn++] = '%';
                    dec[dn++] = Character.toUpperCase(p.charAt(i + 1));
                    dec[dn++] = Character.toUpperCase(p.charAt(i + 2));
                }
                i += 2;
            } else {
                dec[dn++] = c;
            }
        }
        // Pass 2: walk segments, writing into out; ".." pops back to the previous '/' (RFC 3986 §5.2.4 step 2C).
        final char[] out = new char[dn + 1];
        int on = 0;
        boolean trailingSlash = false;
        int segStart = 1;
        while (segStart <= dn) {
            int segEnd = segStart;
            while (segEnd < dn && dec[segEnd] != '/') {
                segEnd++;
            }
            final boolean last = segEnd >= dn;
            final int segLen = segEnd - segStart;
            if (segLen == 0 || (segLen == 1 && dec[segStart] == '.')) {
                // Empty (duplicate or trailing slash) and "." segments vanish but leave a directory path.
                trailingSlash = last;
            } else if (segLen == 2 && dec[segStart] == '.' && dec[segStart + 1] == '.') {
                while (on > 0 && out[--on] != '/') {
                    // Pops the last output segment; at the root there is nothing to pop (clamp).
                }
                trailingSlash = last;
            } else {
                out[on++] = '/';
                System.arraycopy(dec, segStart, out, on, segLen);
                on += segLen;
                trailingSlash = false;
            }
            segStart = segEnd + 1;
        }
        if (on == 0 || trailingSlash) {
            out[on++] = '/';
        }
        return new String(out, 0, on);
    }

    private static boolean isDotSegment(final String p, final int from, final int to) {
        final int n = to - from;
        return (n == 1 && p.charAt(from) == '.') || (n == 2 && p.charAt(from) == '.' && p.charAt(from + 1) == '.');
    }

    private static boolean isUnreserved(final int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isLowerHex(final char c) {
        return c >= 'a' && c <= 'f';
    }

    private static int hexValue(final char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
