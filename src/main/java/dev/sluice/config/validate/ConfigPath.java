package dev.sluice.config.validate;

import java.util.regex.Pattern;

/**
 * Builds the paths {@link ConfigProblem} uses: {@code a.b[2].c}, quoting keys that are not plain words.
 *
 * <p>Shared by binding (in {@code dev.sluice.config}) and validation so both report the same spelling for the same
 * place; a problem list sorted or de-duplicated by path depends on that.
 */
public final class ConfigPath {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_-]+");

    private ConfigPath() {
    }

    /** The path of mapping key {@code key} under {@code parent} (empty parent = document root). */
    public static String key(String parent, String key) {
        final String segment = PLAIN_KEY.matcher(key).matches() ? key : quoted(key);
        if (parent.isEmpty()) {
            return segment;
        }
        return segment.startsWith("[") ? parent + segment : parent + "." + segment;
    }

    /** The path of list element {@code index} under {@code parent}. */
    public static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** Whether {@code path} is {@code ancestor} itself or lies below it. */
    public static boolean isWithin(String path, String ancestor) {
        if (ancestor.isEmpty()) {
            return true;
        }
        return path.equals(ancestor) || path.startsWith(ancestor + ".") || path.startsWith(ancestor + "[");
    }

    private static String quoted(String key) {
        final StringBuilder out = new StringBuilder(key.length() + 4).append("[\"");
        for (int i = 0; i < key.length(); i++) {
            final char c = key.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.append("\"]").toString();
    }
}
