package dev.tailor.tokenizer.bpe;

import java.util.Arrays;

/**
 * The distinct training words as sequences of symbol ids, with their counts. A merge rewrites a
 * word in place and reports how the pairs around each merged occurrence changed, which is all
 * the trainer needs to keep its pair counts exact without recounting.
 */
final class SymbolWords {

    private final int[][] symbols;   // word -> symbol ids; only the first lengths[w] are live
    private final int[] lengths;
    private final long[] counts;     // word -> occurrences in the training text

    SymbolWords(int[][] symbols, long[] counts) {
        this.symbols = symbols;
        this.counts = counts;
        this.lengths = new int[symbols.length];
        for (int w = 0; w < symbols.length; w++) lengths[w] = symbols[w].length;
    }

    int size() {
        return symbols.length;
    }

    long count(int word) {
        return counts[word];
    }

    int length(int word) {
        return lengths[word];
    }

    int symbol(int word, int i) {
        return symbols[word][i];
    }

    /**
     * Replaces every occurrence of (a, b) in {@code word}, left to right, by {@code merged}.
     * For each occurrence it records, into {@code out}, the neighbour pairs that disappear (-1)
     * and appear (+1): with x before and y after, (x, a) and (b, y) go, (x, merged) and
     * (merged, y) come. The x of an occurrence is the symbol already written, so in "a a a a"
     * with (a, a) the second occurrence sees the first merge as its left neighbour. The merged
     * pair itself is not reported: the caller knows every occurrence of it is gone.
     */
    void merge(int word, int a, int b, int merged, PairChanges out) {
        int[] s = symbols[word];
        int n = lengths[word];
        int write = 0;
        int read = 0;
        while (read < n) {
            if (s[read] == a && read + 1 < n && s[read + 1] == b) {
                if (write > 0) {
                    out.add(PairCounts.pack(s[write - 1], a), -1, word);
                    out.add(PairCounts.pack(s[write - 1], merged), +1, word);
                }
                s[write++] = merged;
                read += 2;
                if (read < n) {
                    out.add(PairCounts.pack(b, s[read]), -1, word);
                    out.add(PairCounts.pack(merged, s[read]), +1, word);
                }
            } else {
                s[write++] = s[read++];
            }
        }
        lengths[word] = write;
    }

    /** A growable list of (pair, delta, word) triples, reused from merge to merge. */
    static final class PairChanges {
        long[] pairs = new long[1024];
        int[] deltas = new int[1024];
        int[] words = new int[1024];
        int size;

        void add(long pair, int delta, int word) {
            if (size == pairs.length) {
                pairs = Arrays.copyOf(pairs, size * 2);
                deltas = Arrays.copyOf(deltas, size * 2);
                words = Arrays.copyOf(words, size * 2);
            }
            pairs[size] = pair;
            deltas[size] = delta;
            words[size] = word;
            size++;
        }

        void clear() {
            size = 0;
        }
    }
}
