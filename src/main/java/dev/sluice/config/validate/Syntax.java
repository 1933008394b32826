package dev.sluice.config.validate;

/**
 * Syntax checks for the small grammars configuration values use: RFC 9110 tokens, DNS host names and IP literals.
 *
 * <p>Written by hand rather than with {@code InetAddress}: {@code InetAddress.getByName} resolves names over DNS
 * (blocking, environment-dependent validation) and accepts legacy IPv4 forms such as {@code 10.1} or {@code 010.0.0.1}
 * that operators never mean.
 */
final class Syntax {
    private static final String TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

    private Syntax() {
    }

    /** RFC 9110 section 5.6.2 {@code token}, the grammar of methods and header names. */
    static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && TCHAR_SYMBOLS.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Whether a header value is safe to send: no CR, LF or NUL (RFC 9110 section 5.5 forbids them). */
    static boolean isFieldValue(String s) {
        return s != null && s.indexOf('\r') < 0 && s.indexOf('\n') < 0 && s.indexOf('\0') < 0;
    }

    /** An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 253 chars. */
    static boolean isHostName(String s) {
        if (s == null || s.isEmpty() || s.length() > 253) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                final int length = i - labelStart;
                if (length < 1 || length > 63 || s.charAt(labelStart) == '-' || s.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else {
                final char c = s.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A host name, an IPv4 literal or a bracketed IPv6 literal ({@code [::1]}), as used in URLs and listen. */
    static boolean isHost(String s) {
        if (s != null && s.length() > 2 && s.startsWith("[") && s.endsWith("]")) {
            return isIpv6(s.substring(1, s.length() - 1));
        }
        return isIpv4(s) || isHostName(s) && !looksNumeric(s);
    }

    /** Dotted-quad IPv4 with no leading zeros (which some parsers read as octal). */
    static boolean isIpv4(String s) {
        if (s == null) {
            return false;
        }
        final String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (final String part : parts) {
            if (part.isEmpty() || part.length() > 3 || part.length() > 1 && part.charAt(0) == '0') {
                return false;
            }
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) < '0' || part.charAt(i) > '9') {
                    return false;
                }
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 section 2.2 text form, including {@code ::} and an embedded IPv4 tail; no zone id. */
    static boolean isIpv6(String s) {
        if (s == null || s.isEmpty() || s.length() > 45) {
            return false;
        }
        final int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return false;
        }
        final String head = gap >= 0 ? s.substring(0, gap) : s;
        final String tail = gap >= 0 ? s.substring(gap + 2) : "";
        final int headGroups = countGroups(head, /* mayEndWithIpv4= */ gap < 0);
        final int tailGroups = countGroups(tail, /* mayEndWithIpv4= */ true);
        if (headGroups < 0 || tailGroups < 0) {
            return false;
        }
        return gap >= 0 ? headGroups + tailGroups <= 7 : headGroups == 8;
    }

    /** Counts 16-bit groups in a colon-separated run (an IPv4 tail counts 2), or -1 when malformed. */
    private static int countGroups(String run, boolean mayEndWithIpv4) {
        if (run.isEmpty()) {
            return 0;
        }
        final String[] groups = run.split(":", -1);
        int count = 0;
        for (int i = 0; i < groups.length; i++) {
            final String group = groups[i];
            if (i == groups.length - 1 && mayEndWithIpv4 && group.indexOf('.') >= 0) {
                if (!isIpv4(group)) {
                    return -1;
                }
                count += 2;
                continue;
            }
            if (group.isEmpty() || group.length() > 4) {
                return -1;
            }
            for (int j = 0; j < group.length(); j++) {
                if (Character.digit(group.charAt(j), 16) < 0) {
                    return -1;
                }
            }
            count++;
        }
        return count;
    }

    /** An IPv4 or IPv6 address, optionally with a {@code /prefix} of at most 32 or 128 bits. */
    static boolean isAddressOrCidr(String s) {
        if (s == null) {
            return false;
        }
        final int slash = s.indexOf('/');
        final String address = slash < 0 ? s : s.substring(0, slash);
        final int maxPrefix;
        if (isIpv4(address)) {
            maxPrefix = 32;
        } else if (isIpv6(address)) {
            maxPrefix = 128;
        } else {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        final String prefix = s.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 3 || !prefix.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return false;
        }
        return Integer.parseInt(prefix) <= maxPrefix;
    }

    /** Parses a decimal port 0..65535, or returns -1. */
    static int port(String s) {
        if (s == null || s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        final int port = Integer.parseInt(s);
        return port <= 65535 ? port : -1;
    }

    /** An all-digits-and-dots name such as {@code 10.0.0} is a malformed IPv4 address, not a host name. */
    private static boolean looksNumeric(String s) {
        return s.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.');
    }
}
