package dev.tailor.data.selfinstruct;

import java.util.List;

/**
 * What the Self-Instruct bootstrap rejects. The defaults are those of the reference code
 * (yizhongw/self-instruct, {@code bootstrap_instructions.py}, with the keyword list Stanford
 * Alpaca extended): an instruction needs more than 3 and at most 150 words, none of the banned
 * words, must not start with "Write a program", and is kept only if its ROUGE-L F-measure against
 * every instruction already in the pool is at most 0.7.
 *
 * @param minWords      fewest words kept (the reference drops {@code len(split()) <= 3}, so 4)
 * @param maxWords      most words kept
 * @param maxSimilarity largest ROUGE-L F against the pool that is still kept (strictly greater is rejected)
 * @param bannedWords   words or phrases matched as whole words, ignoring case
 * @param bannedPrefixes case-sensitive prefixes rejected after capitalisation
 */
public record FilterRules(int minWords, int maxWords, double maxSimilarity, List<String> bannedWords, List<String> bannedPrefixes) {

    public static final List<String> BANNED_WORDS = List.of(
            "image", "images", "graph", "graphs", "picture", "pictures", "file", "files", "map", "maps",
            "draw", "plot", "go to", "video", "audio", "music", "flowchart", "diagram");

    public static final FilterRules DEFAULT = new FilterRules(4, 150, 0.7, BANNED_WORDS, List.of("Write a program"));

    public FilterRules {
        if (minWords < 1 || maxWords < minWords) throw new IllegalArgumentException("need 1 <= minWords <= maxWords, got " + minWords + ", " + maxWords);
        if (!(maxSimilarity >= 0 && maxSimilarity <= 1)) throw new IllegalArgumentException("maxSimilarity must be in [0, 1], got " + maxSimilarity);
        bannedWords = List.copyOf(bannedWords);
        bannedPrefixes = List.copyOf(bannedPrefixes);
    }
}
