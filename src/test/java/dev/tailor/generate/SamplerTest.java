package dev.tailor.generate;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each filter on hand-made distributions with the expected survivors worked out by hand, following
 * transformers' logits processors. Distributions are given as probabilities p and turned into
 * logits ln p, so the softmax inside top-p and min-p sees exactly p (to ~1e-7, and no case sits
 * closer than 0.05 to a cut-off).
 */
class SamplerTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;

    private static float[] logitsOf(double... probs) {
        float[] l = new float[probs.length];
        for (int i = 0; i < l.length; i++) l[i] = (float) Math.log(probs[i]);
        return l;
    }

    /** Which entries survived (true) a filter. */
    private static boolean[] kept(float[] logits) {
        boolean[] k = new boolean[logits.length];
        for (int i = 0; i < k.length; i++) k[i] = logits[i] != NEG;
        return k;
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnly() {
        float[] l = {2f, -2f, 1f, 0.5f, -1f};
        Sampler.repetitionPenalty(l, new int[] {0, 1, 3}, 3, 2f);
        assertArrayEquals(new float[] {1f, -4f, 1f, 0.25f, -1f}, l);
        float[] m = {3f, -3f};
        Sampler.repetitionPenalty(m, new int[] {0, 1}, 2, 0.5f); // a penalty below 1 rewards repetition
        assertArrayEquals(new float[] {6f, -1.5f}, m);
    }

    @Test
    void temperatureDividesTheLogits() {
        float[] l = {2f, 4f, -1f};
        Sampler.temperature(l, 2f);
        assertArrayEquals(new float[] {1f, 2f, -0.5f}, l);
    }

    @Test
    void topKKeepsTheKLargestAndEveryTieOfTheKth() {
        float[] l = {1f, 3f, 3f, 2f, 0f};
        Sampler.topK(l, 3);
        assertArrayEquals(new float[] {NEG, 3f, 3f, 2f, NEG}, l);
        float[] t = {1f, 3f, 3f, 2f, 0f};
        Sampler.topK(t, 1); // the 1st largest is 3, tied: both stay (torch.topk threshold semantics)
        assertArrayEquals(new float[] {NEG, 3f, 3f, NEG, NEG}, t);
        float[] off = {1f, 2f};
        Sampler.topK(off, 0);
        assertArrayEquals(new float[] {1f, 2f}, off);
    }

    @Test
    void topPKeepsTheSmallestHeadReachingP() {
        // p = (0.5, 0.3, 0.15, 0.05); ascending cumulative 0.05, 0.20, 0.50, 1.00; drop where cumulative <= 1 - P
        float[] a = logitsOf(0.5, 0.3, 0.15, 0.05);
        Sampler.topP(a, 0.75f); // 1 - P = 0.25: drop 0.05 and 0.15; 0.5 + 0.3 = 0.8 >= 0.75
        assertArrayEquals(new boolean[] {true, true, false, false}, kept(a));
        float[] b = logitsOf(0.5, 0.3, 0.15, 0.05);
        Sampler.topP(b, 0.9f); // 1 - P = 0.1: drop 0.05 only
        assertArrayEquals(new boolean[] {true, true, true, false}, kept(b));
        float[] c = logitsOf(0.05, 0.15, 0.3, 0.5); // order of the vocabulary does not matter
        Sampler.topP(c, 0.3f); // 1 - P = 0.7: drop up to cumulative 0.5; the top token alone
        assertArrayEquals(new boolean[] {false, false, false, true}, kept(c));
        float[] d = logitsOf(0.9, 0.1);
        Sampler.topP(d, 0.01f); // the most likely token always stays
        assertArrayEquals(new boolean[] {true, false}, kept(d));
    }

    @Test
    void minPDropsTokensBelowAFractionOfTheTopProbability() {
        float[] a = logitsOf(0.5, 0.3, 0.15, 0.05);
        Sampler.minP(a, 0.2f); // threshold 0.2 * 0.5 = 0.1
        assertArrayEquals(new boolean[] {true, true, true, false}, kept(a));
        float[] b = logitsOf(0.5, 0.3, 0.15, 0.05);
        Sampler.minP(b, 0.5f); // threshold 0.25
        assertArrayEquals(new boolean[] {true, true, false, false}, kept(b));
    }

    @Test
    void filtersCompose() {
        // temperature 0.5 squares then renormalises (0.6, 0.3, 0.1) -> (0.36, 0.09, 0.01)/0.46 = (0.783, 0.196, 0.022);
        // top-p 0.9 then drops the 0.022 (cumulative 0.022 <= 0.1), keeping 0.783 + 0.196
        float[] l = logitsOf(0.6, 0.3, 0.1);
        Sampler.temperature(l, 0.5f);
        Sampler.topP(l, 0.9f);
        assertArrayEquals(new boolean[] {true, true, false}, kept(l));
    }

    @Test
    void drawWalksTheCumulativeDistribution() {
        float[] l = logitsOf(0.5, 0.3, 0.2);
        assertEquals(0, Sampler.draw(l, 0.0));
        assertEquals(0, Sampler.draw(l, 0.49));
        assertEquals(1, Sampler.draw(l, 0.51));
        assertEquals(1, Sampler.draw(l, 0.79));
        assertEquals(2, Sampler.draw(l, 0.81));
        assertEquals(2, Sampler.draw(l, Math.nextDown(1.0)));
        float[] filtered = {NEG, 0f, NEG, 0f};
        assertEquals(1, Sampler.draw(filtered, 0.49));
        assertEquals(3, Sampler.draw(filtered, 0.51));
        assertThrows(IllegalStateException.class, () -> Sampler.draw(new float[] {NEG, NEG}, 0.5));
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        assertEquals(1, Sampler.argmax(new float[] {0f, 2f, 2f, -1f}));
    }

    @Test
    void greedyAppliesTheRepetitionPenalty() {
        var cfg = new SamplingConfig(0f, 0, 1f, 0f, 2f, 0);
        Sampler s = new Sampler(cfg, 3, new int[] {0}, new SplittableRandom(1));
        assertEquals(1, s.next(new float[] {2f, 1.5f, 0f})); // 2 / 2 = 1 < 1.5
        assertEquals(2, s.next(new float[] {1.8f, 1.5f, 0.95f})); // 0 and 1 now seen: 0.9, 0.75, 0.95
    }

    @Test
    void samplingFollowsTheDistributionAndRepeatsWithTheSeed() {
        var cfg = new SamplingConfig(1f, 0, 1f, 0f, 1f, 7);
        double[] p = {0.5, 0.3, 0.2};
        int n = 20_000;
        int[] counts = new int[3];
        SplittableRandom rnd = new SplittableRandom(99);
        Sampler s = new Sampler(cfg, 3, new int[0], rnd);
        int[] first = new int[50];
        for (int i = 0; i < n; i++) {
            int t = s.next(logitsOf(p));
            counts[t]++;
            if (i < first.length) first[i] = t;
        }
        for (int i = 0; i < 3; i++) {
            double sd = Math.sqrt(n * p[i] * (1 - p[i])); // binomial: 5 sd is a fixed seed's safe margin and still tight (~1.5%)
            assertEquals(n * p[i], counts[i], 5 * sd, "token " + i + " drawn " + counts[i] + " times of " + n);
        }
        Sampler again = new Sampler(cfg, 3, new int[0], new SplittableRandom(99));
        for (int i = 0; i < first.length; i++) assertEquals(first[i], again.next(logitsOf(p)), "draw " + i);
    }

    @Test
    void configRefusesOutOfRangeValues() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(-1f, 0, 1f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, -1, 1f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 0f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 1.5f, 0f, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 1f, 1.5f, 1f, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SamplingConfig(1f, 0, 1f, 0f, 0f, 0));
        assertTrue(e.getMessage().contains("repetition penalty"), e.getMessage());
    }
}
