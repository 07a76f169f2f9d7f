package dev.tailor.tokenizer.bpe;

import java.util.Arrays;

/**
 * Weighted occurrence counts of adjacent symbol pairs, each pair with a dense id, found through an
 * open-addressing table keyed by the packed pair ({@code left << 32 | right}). The trainer
 * updates it for every changed neighbour of every merge, so it must not box. Pairs are never
 * removed (their dense ids stay valid); a count may drop to zero.
 */
final class PairCounts {

    private static final long EMPTY = -1L;   // no pair packs to -1: both ids are non-negative

    private long[] keys;      // hash slot -> packed pair, or EMPTY
    private int[] slotIds;    // hash slot -> dense id of the pair in it
    private long[] pairs;     // dense id -> packed pair
    private long[] counts;    // dense id -> weighted count
    private int size;

    PairCounts(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2) - 1) << 1;
        keys = new long[cap];
        slotIds = new int[cap];
        Arrays.fill(keys, EMPTY);
        pairs = new long[Math.max(16, expected)];
        counts = new long[pairs.length];
    }

    static long pack(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    static int left(long pair) {
        return (int) (pair >>> 32);
    }

    static int right(long pair) {
        return (int) pair;
    }

    /** The dense id of {@code pair} (0, 1, 2, ... in order of first sight), adding it at count zero. */
    int id(long pair) {
        int slot = find(pair);
        if (keys[slot] != EMPTY) return slotIds[slot];
        if (size == pairs.length) {
            pairs = Arrays.copyOf(pairs, size * 2);
            counts = Arrays.copyOf(counts, size * 2);
        }
        keys[slot] = pair;
        slotIds[slot] = size;
        pairs[size] = pair;
        if (++size * 2 > keys.length) grow();
        return size - 1;
    }

    long count(int id) {
        return counts[id];
    }

    long pair(int id) {
        return pairs[id];
    }

    void add(int id, long delta) {
        counts[id] += delta;
    }

    /** Distinct pairs ever seen. */
    int size() {
        return size;
    }

    /** The slot holding {@code pair}, or the empty slot where it would go (linear probing). */
    private int find(long pair) {
        int mask = keys.length - 1;
        int slot = mix(pair) & mask;
        while (keys[slot] != EMPTY && keys[slot] != pair) slot = (slot + 1) & mask;
        return slot;
    }

    /** Spreads the ids over the table: consecutive small ids would otherwise cluster. */
    private static int mix(long pair) {
        long h = pair * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29));
    }

    private void grow() {
        keys = new long[keys.length * 2];
        slotIds = new int[keys.length];
        Arrays.fill(keys, EMPTY);
        for (int id = 0; id < size; id++) {
            int slot = find(pairs[id]);
            keys[slot] = pairs[id];
            slotIds[slot] = id;
        }
    }
}
