package dev.tailor.tokenizer.bpe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-level BPE merges from a word-count table, with the algorithm and the order of the
 * tokenizers library's {@code BpeTrainer} (byte-level initial alphabet, no minimum frequency, no
 * length limit), so that the same text gives the same vocabulary and merges:
 * <ol>
 *   <li>ids: the special tokens, then the 256 byte symbols sorted by code point;</li>
 *   <li>every adjacent pair of every distinct word is counted once, weighted by the word's count;</li>
 *   <li>repeatedly the most frequent pair is merged; among equal counts the pair with the
 *       smallest (left id, right id) wins, which is deterministic and independent of hash order;</li>
 *   <li>a merge only visits the words that contain the pair and only adjusts the counts of the
 *       pairs next to each merged occurrence (incremental update: no recount per merge).</li>
 * </ol>
 * A priority queue holds (count, pair, words) entries; a count that changed since an entry was
 * queued is corrected when the entry comes up, and new pairs are queued with the words they
 * appeared in. A pair merged twice (possible when two merges make the same token) is kept once,
 * at its later rank, as the library stores merges in a map.
 */
public final class BpeTrainer {

    private BpeTrainer() {}

    /** One queued candidate: a pair, its count when queued, and the words it was seen in. */
    private record Candidate(int pairId, long pair, long count, int[] words) {
        Candidate withCount(long c) {
            return new Candidate(pairId, pair, c, words);
        }
    }

    /** Most frequent first; then the smallest (left, right): a packed pair compares as that tuple. */
    private static int order(Candidate x, Candidate y) {
        int byCount = Long.compare(y.count, x.count);
        return byCount != 0 ? byCount : Long.compare(x.pair, y.pair);
    }

    /**
     * Trains until the vocabulary holds exactly {@code vocabSize} tokens.
     *
     * @throws IllegalArgumentException when {@code vocabSize} cannot hold the special tokens and
     *         the 256 byte symbols, or when the text runs out of pairs before reaching it
     */
    public static BpeModel train(WordCounts words, int vocabSize, List<String> specialTokens) {
        List<String> vocab = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (String t : specialTokens) addToken(t, vocab, ids);
        for (char c : ByteLevel.alphabetByCodePoint()) addToken(String.valueOf(c), vocab, ids);
        int base = vocab.size();
        if (vocabSize < base) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is too small: the " + specialTokens.size()
                    + " special tokens and the 256 byte symbols alone take " + base + " ids");
        }
        SymbolWords table = symbolWords(words, ids);
        PairCounts counts = new PairCounts(Math.max(16, table.size() * 4));
        PriorityQueue<Candidate> queue = new PriorityQueue<>(BpeTrainer::order);
        queueInitialPairs(table, counts, queue);

        long[] made = new long[vocabSize - base];   // packed pairs in the order merged
        int madeCount = 0;
        SymbolWords.PairChanges changes = new SymbolWords.PairChanges();
        while (vocab.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long now = counts.count(top.pairId);
            if (top.count != now) {             // stale: requeue with the count it has now
                queue.add(top.withCount(now));
                continue;
            }
            if (top.count < 1) break;
            int a = PairCounts.left(top.pair), b = PairCounts.right(top.pair);
            String token = vocab.get(a) + vocab.get(b);
            int merged = ids.containsKey(token) ? ids.get(token) : addToken(token, vocab, ids);
            if (madeCount == made.length) made = Arrays.copyOf(made, made.length * 2 + 1);
            made[madeCount++] = top.pair;
            changes.clear();
            for (int w : top.words) table.merge(w, a, b, merged, changes);
            applyChanges(changes, table, counts, queue);
        }
        if (vocab.size() < vocabSize) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " is out of reach: the training text ("
                    + words.distinct() + " distinct words) ran out of pairs to merge at " + vocab.size()
                    + " tokens; give more text or ask for at most " + vocab.size());
        }
        return new BpeModel(vocab, mergeRules(made, madeCount, vocab), specialTokens);
    }

    private static int addToken(String token, List<String> vocab, Map<String, Integer> ids) {
        Integer known = ids.get(token);
        if (known != null) return known;
        vocab.add(token);
        ids.put(token, vocab.size() - 1);
        return vocab.size() - 1;
    }

    /** Each distinct word as the ids of its byte symbols, words in text order for determinism. */
    private static SymbolWords symbolWords(WordCounts words, Map<String, Integer> ids) {
        List<Map.Entry<String, long[]>> sorted = words.sorted();
        int[] charId = new int[512];   // byte-level characters are all below U+0144
        Arrays.fill(charId, -1);
        for (int b = 0; b < 256; b++) charId[ByteLevel.charOf(b)] = ids.get(String.valueOf(ByteLevel.charOf(b)));
        int[][] symbols = new int[sorted.size()][];
        long[] wordCounts = new long[sorted.size()];
        for (int w = 0; w < symbols.length; w++) {
            String word = sorted.get(w).getKey();
            int[] s = new int[word.length()];
            for (int i = 0; i < s.length; i++) {
                char c = word.charAt(i);
                if (c >= charId.length || charId[c] < 0) {
                    throw new IllegalArgumentException("word " + word + " holds '" + c + "' (U+" + Integer.toHexString(c)
                            + "), which is not a byte-level symbol; words must come from ByteLevel");
                }
                s[i] = charId[c];
            }
            symbols[w] = s;
            wordCounts[w] = sorted.get(w).getValue()[0];
        }
        return new SymbolWords(symbols, wordCounts);
    }

    /** Counts every adjacent pair once per word occurrence and queues each with its words. */
    private static void queueInitialPairs(SymbolWords table, PairCounts counts, PriorityQueue<Candidate> queue) {
        SymbolWords.PairChanges all = new SymbolWords.PairChanges();
        for (int w = 0; w < table.size(); w++) {
            for (int i = 0; i + 1 < table.length(w); i++) {
                all.add(PairCounts.pack(table.symbol(w, i), table.symbol(w, i + 1)), +1, w);
            }
        }
        applyChanges(all, table, counts, queue);
    }

    /**
     * Adds each change, weighted by its word's count, to the pair counts; then queues every pair
     * that appeared (+1) with the words it appeared in and its count after all changes.
     */
    private static void applyChanges(SymbolWords.PairChanges changes, SymbolWords table, PairCounts counts,
                                     PriorityQueue<Candidate> queue) {
        long[] appeared = new long[changes.size];   // (pair id << 32 | word), sorted to group by pair
        int n = 0;
        for (int i = 0; i < changes.size; i++) {
            int id = counts.id(changes.pairs[i]);
            counts.add(id, changes.deltas[i] * table.count(changes.words[i]));
            if (changes.deltas[i] > 0) appeared[n++] = ((long) id << 32) | changes.words[i];
        }
        Arrays.sort(appeared, 0, n);
        int[] words = new int[n];
        for (int start = 0; start < n; ) {
            int id = (int) (appeared[start] >>> 32);
            int k = 0;
            int end = start;
            for (; end < n && (int) (appeared[end] >>> 32) == id; end++) {
                int w = (int) appeared[end];
                if (k == 0 || words[k - 1] != w) words[k++] = w;
            }
            long count = counts.count(id);
            if (count > 0) queue.add(new Candidate(id, counts.pair(id), count, Arrays.copyOf(words, k)));
            start = end;
        }
    }

    /** The merges as token strings; a pair merged more than once keeps only its last rank. */
    private static List<BpeModel.Merge> mergeRules(long[] made, int count, List<String> vocab) {
        Map<Long, Integer> lastRank = new HashMap<>();
        for (int r = 0; r < count; r++) lastRank.put(made[r], r);
        List<BpeModel.Merge> out = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            long pair = made[r];
            if (lastRank.get(pair) != r) continue;
            out.add(new BpeModel.Merge(vocab.get(PairCounts.left(pair)), vocab.get(PairCounts.right(pair))));
        }
        return out;
    }
}
