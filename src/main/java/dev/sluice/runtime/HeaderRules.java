package dev.sluice.runtime;

import dev.sluice.config.HeaderRulesSpec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Map;

/**
 * Compiled header changes of a route (remove, then set, then add), with names pre-encoded as {@link AsciiString}
 * so applying them does not hash or copy strings per request.
 */
public final class HeaderRules {
    private static final HeaderRules NONE = new HeaderRules(new AsciiString[0], new AsciiString[0],
            new AsciiString[0], new AsciiString[0], new AsciiString[0]);

    private final AsciiString[] remove;
    private final AsciiString[] setNames;
    private final AsciiString[] setValues;
    private final AsciiString[] addNames;
    private final AsciiString[] addValues;

    private HeaderRules(AsciiString[] remove, AsciiString[] setNames, AsciiString[] setValues,
            AsciiString[] addNames, AsciiString[] addValues) {
        this.remove = remove;
        this.setNames = setNames;
        this.setValues = setValues;
        this.addNames = addNames;
        this.addValues = addValues;
    }

    /** Compiles validated rules. */
    public static HeaderRules of(HeaderRulesSpec spec) {
        if (spec == null || spec.isEmpty()) {
            return NONE;
        }
        final AsciiString[] remove = spec.remove().stream().map(AsciiString::cached).toArray(AsciiString[]::new);
        final AsciiString[][] set = pairs(spec.set());
        final AsciiString[][] add = pairs(spec.add());
        return new HeaderRules(remove, set[0], set[1], add[0], add[1]);
    }

    private static AsciiString[][] pairs(Map<String, String> map) {
        final AsciiString[] names = new AsciiString[map.size()];
        final AsciiString[] values = new AsciiString[map.size()];
        int i = 0;
        for (Map.Entry<String, String> e : map.entrySet()) {
            names[i] = AsciiString.cached(e.getKey());
            values[i] = AsciiString.cached(e.getValue());
            i++;
        }
        return new AsciiString[][] {names, values};
    }

    public boolean isEmpty() {
        return this == NONE;
    }

    /** Applies the rules to {@code headers} in place. */
    public void apply(HttpHeaders headers) {
        for (AsciiString name : remove) {
            headers.remove(name);
        }
        for (int i = 0; i < setNames.length; i++) {
            headers.set(setNames[i], setValues[i]);
        }
        for (int i = 0; i < addNames.length; i++) {
            headers.add(addNames[i], addValues[i]);
        }
    }
}
