package dev.tailor.tokenizer.bpe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How often each byte-level word occurs in the training text: the table BPE training works on.
 * Special tokens are cut out of the text before splitting, because the tokenizer matches them
 * whole before its model runs: merges learned from their characters could never be used.
 */
public final class WordCounts {

    private final Map<String, long[]> counts = new HashMap<>();   // word -> {count}
    private final Pattern specials;                                // null when there are none
    private long sequences;

    /** Counts words of text from which the given special tokens are cut out. */
    public WordCounts(List<String> specialTokens) {
        this.specials = specialPattern(specialTokens);
    }

    /** Longest first, so a special token that contains another is cut out whole. */
    private static Pattern specialPattern(List<String> tokens) {
        if (tokens.isEmpty()) return null;
        List<String> sorted = new ArrayList<>(tokens);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        StringBuilder re = new StringBuilder();
        for (String t : sorted) {
            if (t.isEmpty()) throw new IllegalArgumentException("a special token is empty; expected non-empty tokens");
            if (!re.isEmpty()) re.append('|');
            re.append(Pattern.quote(t));
        }
        return Pattern.compile(re.toString());
    }

    /** Adds one sequence (a document, or one message of a conversation). */
    public void add(CharSequence text) {
        sequences++;
        if (specials == null) {
            ByteLevel.words(text, this::addWord);
            return;
        }
        Matcher m = specials.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) ByteLevel.words(text.subSequence(last, m.start()), this::addWord);
            last = m.end();
        }
        if (last < text.length()) ByteLevel.words(text.subSequence(last, text.length()), this::addWord);
    }

    /** Adds one already byte-level word {@code count} times. */
    public void addWord(String word, long count) {
        counts.computeIfAbsent(word, w -> new long[1])[0] += count;
    }

    private void addWord(String word) {
        addWord(word, 1);
    }

    /** Distinct words seen. */
    public int distinct() {
        return counts.size();
    }

    /** Sequences added. */
    public long sequences() {
        return sequences;
    }

    /** Words in a fixed order (by text), so training never depends on hash order. */
    List<Map.Entry<String, long[]>> sorted() {
        List<Map.Entry<String, long[]>> out = new ArrayList<>(counts.entrySet());
        out.sort(Map.Entry.comparingByKey());
        return out;
    }
}
