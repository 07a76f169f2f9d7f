package dev.tailor.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BLEU as sacreBLEU 2.x computes it with its defaults: 13a tokenisation, case-sensitive, n-grams
 * up to 4, "exp" smoothing (mteval-v13a: the k-th order without a match gets precision
 * 1 / (2^k · total)), brevity penalty exp(1 - r/c) against the closest reference length (ties go
 * to the shorter). Corpus BLEU sums the statistics of all segments before combining; sentence BLEU
 * uses the effective order (orders with no hypothesis n-grams are left out), as
 * {@code sacrebleu.sentence_bleu} does. Scores are on the 0-100 scale.
 */
public final class Bleu {

    public static final int MAX_ORDER = 4;

    /**
     * A score with its sufficient statistics.
     *
     * @param score      BLEU, 0-100
     * @param precisions (MAX_ORDER) smoothed n-gram precisions, 0-100
     * @param correct    (MAX_ORDER) clipped n-gram matches
     * @param total      (MAX_ORDER) hypothesis n-grams
     * @param bp         brevity penalty
     */
    public record Score(double score, double[] precisions, long[] correct, long[] total, double bp, long sysLen, long refLen) {}

    private Bleu() {}

    /**
     * Corpus BLEU. {@code references} holds one or more reference streams, each aligned with
     * {@code hypotheses} (sacreBLEU's {@code corpus_bleu(hyps, [refs1, refs2, ...])}).
     */
    public static Score corpus(List<String> hypotheses, List<List<String>> references, boolean lowercase) {
        if (references.isEmpty()) throw new IllegalArgumentException("BLEU: no reference streams");
        for (int s = 0; s < references.size(); s++) {
            if (references.get(s).size() != hypotheses.size()) {
                throw new IllegalArgumentException("BLEU: reference stream " + s + " has " + references.get(s).size()
                        + " segments, expected " + hypotheses.size() + " (one per hypothesis)");
            }
        }
        long[] stats = new long[2 + 2 * MAX_ORDER]; // sysLen, refLen, correct[4], total[4]
        for (int i = 0; i < hypotheses.size(); i++) {
            List<String> refs = new ArrayList<>(references.size());
            for (List<String> stream : references) refs.add(stream.get(i));
            long[] seg = segmentStatistics(hypotheses.get(i), refs, lowercase);
            for (int k = 0; k < stats.length; k++) stats[k] += seg[k];
        }
        return fromStatistics(stats, false);
    }

    /** Corpus BLEU, case-sensitive, with one reference per hypothesis. */
    public static Score corpus(List<String> hypotheses, List<String> references) {
        return corpus(hypotheses, List.of(references), false);
    }

    /** Sentence BLEU against one or more references, with the effective order. */
    public static Score sentence(String hypothesis, List<String> references) {
        if (references.isEmpty()) throw new IllegalArgumentException("BLEU: no references for the sentence");
        return fromStatistics(segmentStatistics(hypothesis, references, false), true);
    }

    /** [hypLen, closestRefLen, correct_1..4, total_1..4] of one segment (sacreBLEU's segment statistics). */
    static long[] segmentStatistics(String hypothesis, List<String> references, boolean lowercase) {
        Map<List<String>, Integer> refNgrams = new HashMap<>();
        int[] refLens = new int[references.size()];
        for (int r = 0; r < references.size(); r++) {
            List<String> tokens = Tokenizer13a.tokenize(prepare(references.get(r), lowercase));
            refLens[r] = tokens.size();
            ngrams(tokens).forEach((g, c) -> refNgrams.merge(g, c, Math::max)); // clip by the largest count in any reference
        }
        List<String> hyp = Tokenizer13a.tokenize(prepare(hypothesis, lowercase));
        long[] stats = new long[2 + 2 * MAX_ORDER];
        stats[0] = hyp.size();
        stats[1] = closestRefLength(hyp.size(), refLens);
        for (Map.Entry<List<String>, Integer> e : ngrams(hyp).entrySet()) {
            int n = e.getKey().size() - 1;
            stats[2 + MAX_ORDER + n] += e.getValue();
            Integer inRef = refNgrams.get(e.getKey());
            if (inRef != null) stats[2 + n] += Math.min(e.getValue(), inRef);
        }
        return stats;
    }

    /** sacreBLEU's {@code compute_bleu} with smooth_method="exp". */
    static Score fromStatistics(long[] stats, boolean effectiveOrder) {
        long sysLen = stats[0], refLen = stats[1];
        long[] correct = new long[MAX_ORDER], total = new long[MAX_ORDER];
        System.arraycopy(stats, 2, correct, 0, MAX_ORDER);
        System.arraycopy(stats, 2 + MAX_ORDER, total, 0, MAX_ORDER);
        double bp = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - (double) refLen / sysLen) : 0.0) : 1.0;
        double[] precisions = new double[MAX_ORDER];
        boolean anyMatch = false;
        for (long c : correct) anyMatch |= c != 0;
        if (!anyMatch) return new Score(0.0, precisions, correct, total, bp, sysLen, refLen);
        double smooth = 1;
        int order = MAX_ORDER;
        for (int n = 1; n <= MAX_ORDER; n++) {
            if (total[n - 1] == 0) break;
            if (effectiveOrder) order = n;
            if (correct[n - 1] == 0) {
                smooth *= 2;
                precisions[n - 1] = 100.0 / (smooth * total[n - 1]);
            } else {
                precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1];
            }
        }
        double logSum = 0;
        for (int n = 0; n < order; n++) logSum += floorLog(precisions[n]);
        return new Score(bp * Math.exp(logSum / order), precisions, correct, total, bp, sysLen, refLen);
    }

    /** sacreBLEU's {@code my_log}: log, with log(0) floored to -9999999999 so the score becomes 0. */
    private static double floorLog(double p) {
        return p == 0.0 ? -9999999999.0 : Math.log(p);
    }

    /** The reference length closest to the hypothesis length; on a tie the shorter one. */
    static int closestRefLength(int hypLen, int[] refLens) {
        int best = -1, bestDiff = -1;
        for (int len : refLens) {
            int diff = Math.abs(hypLen - len);
            if (bestDiff == -1 || diff < bestDiff || (diff == bestDiff && len < best)) {
                bestDiff = diff;
                best = len;
            }
        }
        return best;
    }

    /** Counts of every n-gram of order 1..MAX_ORDER. */
    static Map<List<String>, Integer> ngrams(List<String> tokens) {
        Map<List<String>, Integer> counts = new HashMap<>();
        for (int n = 1; n <= MAX_ORDER; n++) {
            for (int i = 0; i + n <= tokens.size(); i++) counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return counts;
    }

    private static String prepare(String segment, boolean lowercase) {
        return lowercase ? segment.toLowerCase(Locale.ROOT) : segment;
    }
}
