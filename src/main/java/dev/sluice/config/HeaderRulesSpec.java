package dev.sluice.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Header changes applied in the order remove, set, add.
 *
 * @param add    headers appended (an existing value is kept)
 * @param set    headers replaced (any existing value is dropped)
 * @param remove header names removed
 */
public record HeaderRulesSpec(Map<String, String> add, Map<String, String> set, List<String> remove) {
    public HeaderRulesSpec {
        add = add == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(add));
        set = set == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(set));
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    /** No header changes. */
    public static HeaderRulesSpec none() {
        return new HeaderRulesSpec(null, null, null);
    }

    /** Whether these rules change nothing. */
    public boolean isEmpty() {
        return add.isEmpty() && set.isEmpty() && remove.isEmpty();
    }
}
