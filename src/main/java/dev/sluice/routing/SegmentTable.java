package dev.sluice.routing;

import java.util.Map;

/**
 * An immutable open-addressing hash table from String keys to values, looked up by a char range of a larger String
 * so that the router never allocates a substring for a path segment or a host suffix.
 *
 * <p>Algorithm: linear probing in a power-of-two table kept at most half full, so an absent key ends its probe at an
 * empty slot after about 1.5 probes on average. The hash is String's polynomial hash over the range, spread like
 * {@link java.util.HashMap} so that keys differing only in high bits still spread.
 *
 * @param <V> value type
 */
final class SegmentTable<V> {

    private static final SegmentTable<Object> EMPTY = new SegmentTable<>(new String[0], new int[0], new Object[0]);

    private final String[] keys;
    /** Hash per slot, so that probing past other keys reads one int array instead of each key's chars. */
    private final int[] hashes;
    private final Object[] values;
    private final int mask;

    private SegmentTable(final String[] keys, final int[] hashes, final Object[] values) {
        this.keys = keys;
        this.hashes = hashes;
        this.values = values;
        this.mask = keys.length - 1;
    }

    @SuppressWarnings("unchecked")
    static <V> SegmentTable<V> of(final Map<String, V> entries) {
        if (entries.isEmpty()) {
            return (SegmentTable<V>) EMPTY;
        }
        int capacity = 2;
        while (capacity < entries.size() * 2) {
            capacity <<= 1;
        }
        final String[] keys = new String[capacity];
        final int[] hashes = new int[capacity];
        final Object[] values = new Object[capacity];
        for (final Map.Entry<String, V> e : entries.entrySet()) {
            final String key = e.getKey();
            final int hash = hash(key, 0, key.length());
            int slot = hash & (capacity - 1);
            while (keys[slot] != null) {
                slot = (slot + 1) & (capacity - 1);
            }
            keys[slot] = key;
            hashes[slot] = hash;
            values[slot] = e.getValue();
        }
        return new SegmentTable<>(keys, hashes, values);
    }

    static int hash(final String s, final int from, final int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return h ^ (h >>> 16);
    }

    boolean isEmpty() {
        return keys.length == 0;
    }

    /** Returns the value whose key equals {@code s[from, to)}, or {@code null}. Allocates nothing. */
    @SuppressWarnings("unchecked")
    V get(final String s, final int from, final int to) {
        if (keys.length == 0) {
            return null;
        }
        final int len = to - from;
        final int hash = hash(s, from, to);
        int slot = hash & mask;
        String key;
        while ((key = keys[slot]) != null) {
            if (hashes[slot] == hash && key.length() == len && s.regionMatches(from, key, 0, len)) {
                return (V) values[slot];
            }
            slot = (slot + 1) & mask;
        }
        return null;
    }
}
