package dev.tailor.train;

import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A tiny Llama (vocab 256) and synthetic pre-tokenised rows for trainer tests. */
final class TinyRun {

    private TinyRun() {}

    static CausalLM model() { return ModelInit.create(Presets.config("llama", "tiny", DType.F32), 7); }

    /** {@code n} rows of 6..24 tokens below 250, the first third of each a prompt (-100). */
    static List<TokenRow> rows(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TokenRow> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 6 + r.nextInt(19);
            int[] ids = new int[len], labels = new int[len];
            for (int t = 0; t < len; t++) { ids[t] = r.nextInt(250); labels[t] = t < len / 3 ? TokenRow.IGNORE : ids[t]; }
            out.add(new TokenRow(ids, labels, "row " + i));
        }
        return out;
    }

    static Trainer trainer(CausalLM model, List<TokenRow> rows, TrainConfig cfg, Path out) {
        return new Trainer(Methods.full(model, null), TrainData.unpacked(rows, List.of(), 0), cfg, out, quiet(), false);
    }

    static PrintStream quiet() { return new PrintStream(new ByteArrayOutputStream()); }

    static TrainConfig config() {
        return TrainConfig.defaults().withOptimizer(TrainConfig.Optim.ADAMW, 1e-3, 0.01, 1.0).withBatch(4, 1).withSteps(4, 0, 0);
    }
}
