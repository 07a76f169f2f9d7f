package dev.tailor.tokenizer.bpe;

import java.util.List;

/**
 * A trained byte-level BPE model: the token of each id and the merges in rank order.
 *
 * @param vocab         token strings by id: the special tokens, then the 256 byte symbols by code
 *                      point, then merged tokens in the order they were made
 * @param merges        the merge rules, highest priority first
 * @param specialTokens the special tokens (ids 0 .. specialTokens.size() - 1)
 */
public record BpeModel(List<String> vocab, List<Merge> merges, List<String> specialTokens) {

    /** One merge rule: the adjacent tokens {@code left} and {@code right} become their concatenation. */
    public record Merge(String left, String right) {
        /** The rule as a merges-file line, "left right" (byte-level tokens never contain a space). */
        @Override
        public String toString() {
            return left + " " + right;
        }
    }

    public BpeModel {
        vocab = List.copyOf(vocab);
        merges = List.copyOf(merges);
        specialTokens = List.copyOf(specialTokens);
    }

    public int vocabSize() {
        return vocab.size();
    }
}
