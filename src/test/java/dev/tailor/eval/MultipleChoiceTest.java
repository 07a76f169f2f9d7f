package dev.tailor.eval;

import dev.tailor.autograd.LossOps;
import dev.tailor.autograd.Tape;
import dev.tailor.data.DataException;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Log-likelihood scoring on the tiny Llama preset, checked against an independent path: the fused
 * cross-entropy kernel (LossOps) with the context masked to -100, whose mean times the number of
 * continuation tokens is minus the log-likelihood. Tolerance 1e-5 relative + 1e-4 absolute: the
 * kernel accumulates in float32, the scorer in double.
 */
class MultipleChoiceTest {

    static CausalLM model;
    /** UTF-8 bytes as token ids: the tiny preset's vocabulary has exactly 256 entries. */
    static final Function<String, int[]> BYTES = s -> {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[b.length];
        for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xff;
        return ids;
    };

    @BeforeAll static void tinyModel() {
        model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 11);
        // A freshly initialised model predicts almost uniformly; a larger final-norm gain sharpens
        // its distributions so that choices differ by more than rounding.
        float[] norm = model.parameters().get("model.norm.weight").data();
        for (int i = 0; i < norm.length; i++) norm[i] = 30f;
    }

    /** -(mean cross-entropy over the continuation) * its length, by the LossOps kernel. */
    static double viaCrossEntropy(int[] context, int[] continuation) {
        int T = context.length + continuation.length;
        int[] ids = new int[T], labels = new int[T];
        for (int t = 0; t < T; t++) {
            ids[t] = t < context.length ? context[t] : continuation[t - context.length];
            labels[t] = t < context.length ? -100 : ids[t];
        }
        try (var g = Tape.noGrad()) {
            var logits = model.forward(Inputs.of(ids, 1, T)); // (1, T, V)
            return -LossOps.crossEntropy(logits, labels, true).item() * (double) continuation.length;
        }
    }

    static int[] ids(long seed, int n) {
        var r = new java.util.SplittableRandom(seed);
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.nextInt(256);
        return a;
    }

    static void assertNear(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-4 + 1e-5 * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual);
    }

    @Test void argmaxTakesTheFirstOfTiedMaxima() {
        assertEquals(1, MultipleChoice.argmax(new double[]{1, 3, 3}));
        assertEquals(0, MultipleChoice.argmax(new double[]{-2, -2}));
        assertEquals(2, MultipleChoice.argmax(new double[]{-7, -5, -1.5, -3}));
        assertThrows(IllegalArgumentException.class, () -> MultipleChoice.argmax(new double[0]));
    }

    @Test void logLikelihoodEqualsTheCrossEntropyKernel() {
        for (int[] sizes : new int[][]{{7, 5}, {33, 7}, {1, 1}, {2, 33}}) {
            int[] ctx = ids(sizes[0], sizes[0]), cont = ids(100 + sizes[1], sizes[1]);
            double ll = MultipleChoice.logLikelihood(model, ctx, cont);
            assertNear(viaCrossEntropy(ctx, cont), ll, "context " + sizes[0] + ", continuation " + sizes[1]);
            assertTrue(ll < 0, "a log-likelihood is negative, got " + ll);
        }
    }

    @Test void logLikelihoodFollowsTheChainRule() {
        // log p(a b | c) = log p(a | c) + log p(b | c a) for a causal model
        int[] c = ids(1, 9), a = ids(2, 4), b = ids(3, 6);
        int[] ab = concat(a, b), ca = concat(c, a);
        double whole = MultipleChoice.logLikelihood(model, c, ab);
        double parts = MultipleChoice.logLikelihood(model, c, a) + MultipleChoice.logLikelihood(model, ca, b);
        assertNear(whole, parts, "chain rule");
    }

    @Test void evaluateCountsRowsWhoseAnswerHasTheHighestScore() {
        String prompt = "Q: What is the capital of France?\nA:";
        List<String> choices = List.of(" Paris", " Lyon is a city", " Rome", " Berlin!");
        double[] ll = new double[choices.size()], norm = new double[choices.size()];
        for (int i = 0; i < ll.length; i++) {
            ll[i] = viaCrossEntropy(BYTES.apply(prompt), BYTES.apply(choices.get(i)));
            norm[i] = ll[i] / choices.get(i).length();
        }
        int best = argmaxPlain(ll), worst = argmaxPlain(negate(ll));
        assertTrue(best != worst);
        // row 1's answer is the independent argmax, row 2's the argmin: accuracy 1/2
        List<ChoiceRow> rows = List.of(new ChoiceRow(prompt, choices, best, "r1"), new ChoiceRow(prompt, choices, worst, "r2"));
        MultipleChoice.Result res = MultipleChoice.evaluate(model, rows, BYTES);
        assertEquals(1, res.correct());
        assertEquals(0.5, res.accuracy());
        int normBest = argmaxPlain(norm);
        int expectedNorm = (normBest == best ? 1 : 0) + (normBest == worst ? 1 : 0);
        assertEquals(expectedNorm, res.correctNormalized());
        double[] scored = MultipleChoice.choiceLogLikelihoods(model, rows.get(0), BYTES);
        for (int i = 0; i < ll.length; i++) assertNear(ll[i], scored[i], "choice " + i);
    }

    @Test void rowsParseIndexOrTextAnswersAndRejectBadRowsByLine(@TempDir Path dir) throws IOException {
        Path ok = dir.resolve("mc.jsonl");
        Files.writeString(ok, """
                {"prompt": "2+2=", "choices": ["3", "4"], "answer": 1}

                {"question": "Sky?", "choices": ["blue", "green", "red"], "answer": "red"}
                """);
        List<ChoiceRow> rows = ChoiceRow.read(ok);
        assertEquals(2, rows.size());
        assertEquals(1, rows.get(0).answer());
        assertEquals("Sky?", rows.get(1).prompt());
        assertEquals(2, rows.get(1).answer());
        assertEquals(ok + ":3", rows.get(1).where());

        assertError(dir, "{\"choices\": [\"a\", \"b\"], \"answer\": 0}", ":1: missing field 'prompt' (or 'question')");
        assertError(dir, "{\"prompt\": \"p\", \"choices\": \"a\", \"answer\": 0}", ":1: field 'choices' must be an array of strings, found string");
        assertError(dir, "{\"prompt\": \"p\", \"choices\": [\"a\", 3], \"answer\": 0}", ":1: choices[1] must be a string, found number");
        assertError(dir, "{\"prompt\": \"p\", \"choices\": [\"a\", \"b\"], \"answer\": \"c\"}", ":1: answer 'c' is not one of the choices [a, b]");
        assertError(dir, "{\"prompt\": \"p\", \"choices\": [\"a\", \"b\"], \"answer\": 2}", ":1: answer index 2 is outside 0..1");
        assertError(dir, "{\"prompt\": \"p\", \"choices\": [\"a\"], \"answer\": 0}", ":1: expected at least 2 choices, found 1");
        assertError(dir, "", ": no multiple-choice rows");
    }

    private static void assertError(Path dir, String content, String expectedTail) throws IOException {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, content);
        var e = assertThrows(DataException.class, () -> ChoiceRow.read(f));
        assertEquals(f + expectedTail, e.getMessage());
    }

    private static int argmaxPlain(double[] v) {
        int b = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[b]) b = i;
        return b;
    }

    private static double[] negate(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = -v[i];
        return o;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] o = new int[a.length + b.length];
        System.arraycopy(a, 0, o, 0, a.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }
}
