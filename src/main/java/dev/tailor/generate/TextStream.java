package dev.tailor.generate;

import java.util.Arrays;
import java.util.function.Function;

/**
 * The decoded text of one sequence's new tokens, growing a token at a time, and the part of it
 * that is safe to show. The whole sequence is decoded again at each token (decoding a token alone
 * is wrong for byte-level and SentencePiece vocabularies, whose tokens can be parts of a character
 * or carry a space that depends on their neighbour). Text is held back while it ends in U+FFFD (a
 * character whose bytes have not all arrived) or in the beginning of a stop string.
 */
final class TextStream {

    private final Function<int[], String> decoder;
    private final StopRules rules;
    private int[] tokens = new int[16];
    private int count;
    private String text = "";
    private int shown;    // chars of text already handed out
    private int stopAt = -1;

    TextStream(Function<int[], String> decoder, StopRules rules) {
        this.decoder = decoder;
        this.rules = rules;
    }

    /** Adds a token; returns the text that became safe to show (possibly empty). */
    String push(int token) {
        if (count == tokens.length) tokens = Arrays.copyOf(tokens, 2 * count);
        tokens[count++] = token;
        text = decoder.apply(Arrays.copyOf(tokens, count));
        stopAt = rules.stopIndex(text);
        int end = stopAt >= 0 ? stopAt : safeEnd(text);
        return take(end);
    }

    /** Where a stop string starts in the text, or -1. */
    int stopIndex() { return stopAt; }

    /** The final text: cut before the first stop string. */
    String text() { return stopAt >= 0 ? text.substring(0, stopAt) : text; }

    /** Everything of the final text not yet shown. */
    String rest() { return take(text().length()); }

    private int safeEnd(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '\uFFFD') end--;
        return end - rules.pendingStopPrefix(s.substring(0, end));
    }

    private String take(int end) {
        if (end <= shown) return "";
        String out = text.substring(shown, end);
        shown = end;
        return out;
    }
}
