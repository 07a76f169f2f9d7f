package dev.tailor.train;

import dev.tailor.autograd.BasicOps;
import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelConfig;
import dev.tailor.nn.LinearSlot;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    @TempDir Path dir;

    static float maxAbsDiff(CausalLM a, CausalLM b) {
        float d = 0;
        for (Map.Entry<String, Tensor> e : a.parameters().entrySet()) {
            float[] x = e.getValue().data(), y = b.parameters().get(e.getKey()).data();
            for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    @Test
    void sameSeedGivesTheSameLossesBitForBit() {
        List<TokenRow> rows = TinyRun.rows(16, 1);
        Trainer.Result a = TinyRun.trainer(TinyRun.model(), rows, TinyRun.config(), dir.resolve("a")).run(null);
        Trainer.Result b = TinyRun.trainer(TinyRun.model(), rows, TinyRun.config(), dir.resolve("b")).run(null);
        assertEquals(4, a.losses().size());
        assertEquals(a.losses(), b.losses());
        Trainer.Result c = TinyRun.trainer(TinyRun.model(), rows, TinyRun.config().withSeed(99), dir.resolve("c")).run(null);
        assertFalse(a.losses().equals(c.losses()), "another seed visits the rows in another order");
    }

    /**
     * Two micro-batches of 2 accumulate to the same step as one batch of 4: each micro-batch loss is
     * weighted by its share of counted tokens. Only summation order differs (padding to other
     * lengths), so losses agree to 1e-5 relative and weights after 3 AdamW steps to 1e-5.
     */
    @Test
    void accumulatingTwoHalfBatchesEqualsOneBatch() {
        List<TokenRow> rows = TinyRun.rows(12, 2);
        CausalLM one = TinyRun.model(), two = TinyRun.model();
        Trainer.Result a = TinyRun.trainer(one, rows, TinyRun.config().withBatch(4, 1).withSteps(3, 0, 0), dir.resolve("a")).run(null);
        Trainer.Result b = TinyRun.trainer(two, rows, TinyRun.config().withBatch(2, 2).withSteps(3, 0, 0), dir.resolve("b")).run(null);
        for (int i = 0; i < 3; i++) assertEquals(a.losses().get(i), b.losses().get(i), 1e-5 * a.losses().get(i), "step " + (i + 1));
        float d = maxAbsDiff(one, two);
        assertTrue(d < 1e-5f, "weights differ by " + d);
        assertTrue(maxAbsDiff(one, TinyRun.model()) > 1e-4f, "training changed the weights");
    }

    /** With SGD at lr 1 and a clip of 0.01, the whole update is the clipped gradient: its norm is 0.01. */
    @Test
    void clippingBoundsTheUpdate() {
        CausalLM m = TinyRun.model(), before = TinyRun.model();
        TrainConfig cfg = TinyRun.config().withOptimizer(TrainConfig.Optim.SGD, 1.0, 0.0, 0.01).withSteps(1, 0, 0);
        // Constant schedule so step 0 uses the full lr (linear decay to 0 over one step would also give lr 1 at step 0).
        TinyRun.trainer(m, TinyRun.rows(4, 3), cfg, dir).run(null);
        double sq = 0;
        for (Map.Entry<String, Tensor> e : m.parameters().entrySet()) {
            float[] x = e.getValue().data(), y = before.parameters().get(e.getKey()).data();
            for (int i = 0; i < x.length; i++) sq += (double) (x[i] - y[i]) * (x[i] - y[i]);
        }
        assertEquals(0.01, Math.sqrt(sq), 1e-5);
    }

    /** A model wrapper whose logits turn NaN for any batch holding token 255. */
    record Poisoned(CausalLM base) implements CausalLM {
        @Override public ModelConfig config() { return base.config(); }
        @Override public Map<String, Tensor> parameters() { return base.parameters(); }
        @Override public List<LinearSlot> linears() { return base.linears(); }
        @Override public dev.tailor.nn.TensorSlot tokenEmbedding() { return base.tokenEmbedding(); }
        @Override public Tensor forward(Inputs in) {
            Tensor logits = base.forward(in);
            for (int id : in.ids()) if (id == 255) return BasicOps.scale(logits, Float.NaN);
            return logits;
        }
    }

    static List<TokenRow> poison(List<TokenRow> rows, int... which) {
        List<TokenRow> out = new ArrayList<>(rows);
        for (int i : which) {
            int[] ids = rows.get(i).ids().clone();
            ids[0] = 255;
            out.set(i, new TokenRow(ids, rows.get(i).labels(), rows.get(i).where()));
        }
        return out;
    }

    @Test
    void nonFiniteStepIsSkippedAndTheRunGoesOn() throws Exception {
        CausalLM m = new Poisoned(TinyRun.model());
        List<TokenRow> rows = poison(TinyRun.rows(4, 4), 1);
        TrainConfig cfg = noShuffle(TinyRun.config().withBatch(1, 1).withSteps(4, 0, 0));
        Trainer.Result r = new Trainer(Methods.full(m, null), TrainData.unpacked(rows, List.of(), 0), cfg, dir, TinyRun.quiet(), false).run(null);
        assertTrue(Double.isNaN(r.losses().get(1)));
        assertTrue(Double.isFinite(r.losses().get(0)) && Double.isFinite(r.losses().get(2)) && Double.isFinite(r.losses().get(3)));
        assertTrue(Files.readString(dir.resolve("metrics.jsonl")).contains("{\"step\":2,\"skipped\":true,\"loss_value\":\"NaN\""));
    }

    @Test
    void manyNonFiniteStepsInARowStopTheRunKeepingTheLastCheckpoint() {
        CausalLM m = new Poisoned(TinyRun.model());
        List<TokenRow> rows = poison(TinyRun.rows(6, 5), 2, 3, 4, 5);
        TrainConfig cfg = noShuffle(TinyRun.config().withBatch(1, 1).withSteps(6, 0, 2));
        Trainer t = new Trainer(Methods.full(m, null), TrainData.unpacked(rows, List.of(), 0), cfg, dir, TinyRun.quiet(), false);
        TrainingStopped e = assertThrows(TrainingStopped.class, () -> t.run(null));
        assertTrue(e.getMessage().startsWith("4 steps in a row (steps 3-6) had a non-finite loss or gradient, so training stopped"), e.getMessage());
        assertTrue(e.getMessage().endsWith("The last good checkpoint is " + dir.resolve("checkpoint-2") + " (continue with --resume)."), e.getMessage());
        assertEquals(List.of(dir.resolve("checkpoint-2")), new CheckpointStore(dir).complete());
    }

    static TrainConfig noShuffle(TrainConfig c) {
        return new TrainConfig(c.optimizer(), c.lr(), c.weightDecay(), c.beta1(), c.beta2(), c.eps(), c.momentum(), c.schedule(), c.warmupSteps(),
                c.warmupRatio(), c.batchSize(), c.gradAccum(), c.epochs(), c.maxSteps(), c.maxGradNorm(), c.loggingSteps(), c.evalSteps(),
                c.saveSteps(), c.saveTotalLimit(), c.seed(), false, 4);
    }

    @Test
    void evalMetricsPlotAndSummary() throws Exception {
        CausalLM m = TinyRun.model();
        Trainable t = Methods.full(m, null);
        TrainData data = TrainData.unpacked(TinyRun.rows(8, 6), TinyRun.rows(3, 7), 0);
        Trainer.Result r = new Trainer(t, data, TinyRun.config().withBatch(2, 1).withSteps(4, 2, 0), dir, TinyRun.quiet(), false).run(null);
        assertEquals(2, r.evalLosses().size());
        List<String> lines = Files.readAllLines(dir.resolve("metrics.jsonl"));
        assertEquals(6, lines.size()); // 4 steps + evals at 2 and 4
        assertTrue(lines.get(2).startsWith("{\"step\":2,\"eval_loss\":"), lines.get(2));
        BufferedImage png = ImageIO.read(dir.resolve("loss.png").toFile());
        assertEquals(LossPlot.W, png.getWidth());
        assertTrue(Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("config.json")));
        assertEquals("trainable params: 107,328 || all params: 107,328 || trainable%: 100.0000", Trainer.summary(t));
    }
}
