package dev.sluice.config;

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
        add = add == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(add));
        set = set == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
        remove = remove == null ? List.of() : List.copyOf(remove);
    }

    public static HeaderRulesSpec none() {
        return new HeaderRulesSpec(null, null, null);
    }

    public boolean isEmpty() {
        return add.isEmpty() && set.isEmpty() && remove.isEmpty();
    }
}
