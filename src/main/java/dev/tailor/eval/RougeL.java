package dev.tailor.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ROUGE-L as Google's rouge-score package computes it with its default options
 * ({@code RougeScorer(["rougeL"], use_stemmer=False)}): lowercase, every run of characters outside
 * [a-z0-9] becomes a space, split on spaces; precision = LCS / |prediction|, recall = LCS / |target|,
 * F = 2PR / (P + R) (0 when P + R = 0). Either side without tokens scores 0.
 */
public final class RougeL {

    /** Precision, recall and F-measure, each in [0, 1]. */
    public record Score(double precision, double recall, double fmeasure) {
        static final Score ZERO = new Score(0, 0, 0);
    }

    private RougeL() {}

    /** rouge-score's default tokenizer: lowercase, non-[a-z0-9] runs are separators, no stemming. */
    public static List<String> tokenize(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= lower.length(); i++) {
            boolean keep = i < lower.length() && isAsciiAlnum(lower.charAt(i));
            if (keep && start < 0) start = i;
            if (!keep && start >= 0) {
                tokens.add(lower.substring(start, i));
                start = -1;
            }
        }
        return tokens;
    }

    /** ROUGE-L of {@code prediction} against {@code target} (rouge-score's {@code score(target, prediction)}). */
    public static Score score(String target, String prediction) {
        return score(tokenize(target), tokenize(prediction));
    }

    /** ROUGE-L on already tokenised text. */
    public static Score score(List<String> target, List<String> prediction) {
        if (target.isEmpty() || prediction.isEmpty()) return Score.ZERO;
        int lcs = lcsLength(target, prediction);
        double precision = (double) lcs / prediction.size();
        double recall = (double) lcs / target.size();
        return new Score(precision, recall, fmeasure(precision, recall));
    }

    /** The ROUGE-L F-measure of {@code prediction} against its best reference (0 when there are none). */
    public static double maxOverReferences(String prediction, List<String> references) {
        List<String> p = tokenize(prediction);
        double best = 0;
        for (String ref : references) best = Math.max(best, score(tokenize(ref), p).fmeasure());
        return best;
    }

    /** Mean over examples of {@link #maxOverReferences}, on the 0-100 scale as Self-Instruct reports it. */
    public static double corpus(List<String> predictions, List<List<String>> references) {
        if (predictions.size() != references.size()) {
            throw new IllegalArgumentException("ROUGE-L: " + predictions.size() + " predictions but " + references.size() + " reference lists");
        }
        if (predictions.isEmpty()) throw new IllegalArgumentException("ROUGE-L: no predictions to score");
        double sum = 0;
        for (int i = 0; i < predictions.size(); i++) sum += maxOverReferences(predictions.get(i), references.get(i));
        return 100.0 * sum / predictions.size();
    }

    /** rouge-score's {@code scoring.fmeasure}: the harmonic mean, 0 when both are 0. */
    static double fmeasure(double precision, double recall) {
        return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
    }

    /** Length of the longest common subsequence of two token lists; two rows of the DP table. */
    static int lcsLength(List<String> a, List<String> b) {
        int[] ia = new int[a.size()], ib = new int[b.size()];
        intern(a, b, ia, ib);
        int[] prev = new int[ib.length + 1], cur = new int[ib.length + 1];
        for (int i = 1; i <= ia.length; i++) {
            int ai = ia[i - 1];
            for (int j = 1; j <= ib.length; j++) {
                cur[j] = ai == ib[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev; prev = cur; cur = t;
        }
        return prev[ib.length];
    }

    /** Maps tokens to small ints so the DP loop compares ints, not strings. */
    private static void intern(List<String> a, List<String> b, int[] ia, int[] ib) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < ia.length; i++) ia[i] = ids.computeIfAbsent(a.get(i), k -> ids.size());
        for (int i = 0; i < ib.length; i++) ib[i] = ids.computeIfAbsent(b.get(i), k -> ids.size());
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    }
}
