package dev.tailor.eval.scaling;

import dev.tailor.data.DataException;
import dev.tailor.eval.scaling.ScalingRuns.Run;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Levenberg–Marquardt fit recovers known laws from synthetic runs. */
class ScalingFitTest {

    static final double[] XS = {1e8, 4e8, 1.6e9, 6.4e9};                 // model sizes
    static final double[] DS = {1e3, 3e3, 1e4, 3e4, 1e5, 3e5};           // fine-tuning examples

    /** Runs on the X × D grid from {@code law}, each loss times (1 + noise·u), u uniform in [-1, 1) from a fixed seed. */
    static List<Run> synthetic(ScalingLaw law, double noise, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Run> runs = new ArrayList<>();
        int line = 1;
        for (double x : XS) {
            for (double d : DS) {
                double u = 2 * r.nextDouble() - 1;
                runs.add(new Run(x, d, law.predict(x, d) * (1 + noise * u), "", line++));
            }
        }
        return runs;
    }

    static void assertWithin(double expected, double actual, double rel, String what) {
        assertTrue(Math.abs(actual - expected) <= rel * Math.abs(expected),
                what + ": expected " + expected + " within " + rel * 100 + "%, got " + actual);
    }

    static void assertRecovered(ScalingLaw truth, ScalingLaw fit, double rel) {
        assertWithin(truth.a(), fit.a(), rel, "A");
        assertWithin(truth.alpha(), fit.alpha(), rel, "alpha");
        assertWithin(truth.beta(), fit.beta(), rel, "beta");
        assertWithin(truth.e(), fit.e(), rel, "E");
    }

    @Test void recoversAnExactLaw() {
        for (ScalingLaw truth : List.of(new ScalingLaw(3000, 0.30, 0.25, 1.5), new ScalingLaw(40, 0.12, 0.45, 0.8),
                new ScalingLaw(900, 0.5, 0.08, 2.2))) {
            ScalingFit.Fit fit = ScalingFit.fit(synthetic(truth, 0, 1), "synthetic");
            assertRecovered(truth, fit.law(), 1e-4);
            assertTrue(fit.rmse() < 1e-6, "RMSE on exact data: " + fit.rmse());
            assertTrue(fit.r2() > 1 - 1e-9, "R^2 on exact data: " + fit.r2());
            assertEquals(24, fit.runs());
        }
    }

    @Test void recoversALawFromNoisyRunsWithinTwoPercent() {
        // ±0.1% multiplicative noise. A is the least determined parameter: it trades off against
        // alpha through ln X (about 20 here), so A moves ~20x as much as alpha does (about 1% here).
        ScalingLaw truth = new ScalingLaw(3000, 0.30, 0.25, 1.5);
        for (long seed : new long[]{1, 2, 3, 42}) {
            List<Run> runs = synthetic(truth, 0.001, seed);
            ScalingFit.Fit fit = ScalingFit.fit(runs, "synthetic");
            assertRecovered(truth, fit.law(), 0.02);
            // a least-squares fit is at least as close to the runs as the law that made them
            assertTrue(fit.rmse() <= rmse(truth, runs), "seed " + seed + ": fit RMSE " + fit.rmse() + " > true law's " + rmse(truth, runs));
            assertTrue(fit.rmse() > 0 && fit.rmse() < 0.001 * 3.7, "RMSE " + fit.rmse());
            assertTrue(fit.r2() > 0.999, "R^2 " + fit.r2());
        }
    }

    static double rmse(ScalingLaw law, List<Run> runs) {
        double ss = 0;
        for (Run r : runs) ss += Math.pow(law.predict(r.x(), r.d()) - r.loss(), 2);
        return Math.sqrt(ss / runs.size());
    }

    @Test void rmseAndR2AreThoseOfTheReturnedLaw() {
        List<Run> runs = synthetic(new ScalingLaw(40, 0.12, 0.45, 0.8), 0.01, 3);
        ScalingFit.Fit fit = ScalingFit.fit(runs, "synthetic");
        double ss = 0, mean = 0, tot = 0;
        for (Run r : runs) mean += r.loss() / runs.size();
        for (Run r : runs) {
            double e = fit.law().predict(r.x(), r.d()) - r.loss();
            ss += e * e;
            tot += (r.loss() - mean) * (r.loss() - mean);
        }
        assertEquals(Math.sqrt(ss / runs.size()), fit.rmse(), 1e-12);
        assertEquals(1 - ss / tot, fit.r2(), 1e-12);
    }

    @Test void theGridFindsWhatASingleFarStartMisses() {
        // From alpha = beta = 3 and E far below the data the local search stalls far from the truth;
        // the multi-start fit does not.
        ScalingLaw truth = new ScalingLaw(3000, 0.30, 0.25, 1.5);
        List<Run> runs = synthetic(truth, 0, 1);
        ScalingLaw stalled = ScalingFit.fitFrom(runs, new ScalingLaw(1e-3, 3.0, 3.0, -50));
        assertTrue(Math.abs(stalled.alpha() - truth.alpha()) > 0.01 * truth.alpha(), "single far start: " + stalled);
        assertRecovered(truth, ScalingFit.fit(runs, "synthetic").law(), 1e-4);
    }

    @Test void predictEvaluatesTheLaw() {
        // 100 * 4^-0.5 * 25^-0.5 + 1 = 100 / 2 / 5 + 1 = 11
        assertEquals(11.0, new ScalingLaw(100, 0.5, 0.5, 1).predict(4, 25), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new ScalingLaw(1, 1, 1, 1).predict(0, 1));
    }

    @Test void refusesRunsThatCannotPinEveryParameter() {
        List<Run> three = List.of(new Run(1, 10, 3, "", 1), new Run(2, 10, 2.5, "", 2), new Run(1, 20, 2.7, "", 3));
        var e = assertThrows(DataException.class, () -> ScalingFit.fit(three, "runs.jsonl"));
        assertTrue(e.getMessage().startsWith("runs.jsonl: 3 run(s)"), e.getMessage());
        List<Run> oneX = List.of(new Run(1, 10, 3, "", 1), new Run(1, 20, 2.5, "", 2), new Run(1, 40, 2.2, "", 3), new Run(1, 80, 2.1, "", 4));
        var e2 = assertThrows(DataException.class, () -> ScalingFit.fit(oneX, "runs.jsonl"));
        assertEquals("runs.jsonl: every run has x = 1.0; fitting alpha needs at least 2 distinct x values", e2.getMessage());
    }
}
