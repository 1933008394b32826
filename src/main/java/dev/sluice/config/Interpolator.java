package dev.sluice.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.config.validate.ConfigPath;
import dev.sluice.config.validate.ConfigProblem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:default}} in string scalars of a parsed YAML tree, in place.
 *
 * <p>Working on the tree rather than the raw text means a variable's value is always one scalar: a value containing
 * {@code "\n  admin: ..."} or {@code "{a: 1}"} stays a string and cannot add keys. {@code $${} writes a literal
 * {@code ${}. The default is used only when the variable is unset (not when it is empty), as in Spring and
 * Docker Compose's {@code ${VAR-default}}, so an operator can deliberately set an empty value.
 *
 * <p>The same walk also rejects null list elements (they would otherwise vanish during binding and shift the
 * indexes of every later element) and trees nested deeper than any real configuration.
 */
final class Interpolator {
    /** Real configurations nest about six levels; the cap keeps a hostile input from exhausting the stack. */
    static final int MAX_DEPTH = 64;

    private final Function<String, String> env;
    private final List<ConfigProblem> problems = new ArrayList<>();

    Interpolator(Function<String, String> env) {
        this.env = env;
    }

    /** Interpolates {@code root} in place and returns the problems found. */
    List<ConfigProblem> apply(JsonNode root) {
        walk(root, "", 0);
        return problems;
    }

    private void walk(JsonNode node, String path, int depth) {
        if (depth > MAX_DEPTH) {
            problems.add(new ConfigProblem(path, "nested deeper than " + MAX_DEPTH + " levels"));
            return;
        }
        if (node instanceof ObjectNode) {
            final ObjectNode object = (ObjectNode) node;
            final Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                final Map.Entry<String, JsonNode> field = fields.next();
                final String childPath = ConfigPath.key(path, field.getKey());
                if (field.getValue().isTextual()) {
                    field.setValue(TextNode.valueOf(interpolate(field.getValue().textValue(), childPath)));
                } else {
                    walk(field.getValue(), childPath, depth + 1);
                }
            }
        } else if (node instanceof ArrayNode) {
            final ArrayNode array = (ArrayNode) node;
            for (int i = 0; i < array.size(); i++) {
                final JsonNode element = array.get(i);
                final String childPath = ConfigPath.index(path, i);
                if (element.isNull()) {
                    problems.add(new ConfigProblem(childPath, "must not be empty (null)"));
                } else if (element.isTextual()) {
                    array.set(i, TextNode.valueOf(interpolate(element.textValue(), childPath)));
                } else {
                    walk(element, childPath, depth + 1);
                }
            }
        }
    }

    /** Interpolates one scalar; on a problem records it and returns the text unchanged. */
    String interpolate(String text, String path) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        final StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            final char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                final int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    problems.add(new ConfigProblem(path, "unterminated \"${\" in \"" + text
                            + "\" (expected ${NAME} or ${NAME:default}; write $${ for a literal ${)"));
                    return text;
                }
                final String body = text.substring(i + 2, close);
                final int colon = body.indexOf(':');
                final String name = colon < 0 ? body : body.substring(0, colon);
                if (!isVariableName(name)) {
                    problems.add(new ConfigProblem(path, "\"${" + body
                            + "}\" is not a variable reference (expected ${NAME} or ${NAME:default}, NAME like"
                            + " GATEWAY_PORT)"));
                    return text;
                }
                final String value = env.apply(name);
                if (value != null) {
                    out.append(value);
                } else if (colon >= 0) {
                    out.append(body, colon + 1, body.length());
                } else {
                    problems.add(new ConfigProblem(path, "environment variable " + name + " is not set"));
                    return text;
                }
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static boolean isVariableName(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            final char c = name.charAt(i);
            final boolean letter = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_';
            if (!letter && !(i > 0 && c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }
}
