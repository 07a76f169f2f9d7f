package dev.tailor.models;

import dev.tailor.io.Checkpoint;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.gpt2.Gpt2Model;
import dev.tailor.models.llama.LlamaModel;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Randomly initialised checkpoints in the Hugging Face layout, initialised as transformers does:
 * linear and embedding weights from N(0, 0.02²) (GPT-2's residual projections c_proj scaled by
 * 1/sqrt(2·n_layer)), norm weights 1, biases 0. The model builders themselves name the tensors,
 * so the keys and shapes are exactly those the loader expects.
 */
public final class ModelInit {

    static final double INITIALIZER_RANGE = 0.02;

    private ModelInit() {}

    /** Builds a fresh model of {@code config}; each tensor's values depend only on the seed and its key. */
    public static CausalLM create(ModelConfig config, long seed) {
        return create(config, seed, (key, t) -> t);
    }

    /**
     * As {@link #create(ModelConfig, long)}, each weight passed through {@code convert} (canonical
     * key, float32 tensor) -> the tensor the model keeps as soon as it is made: e.g. narrowed to a
     * checkpoint dtype or quantised, so only one float32 weight at a time exists.
     */
    public static CausalLM create(ModelConfig config, long seed, java.util.function.BiFunction<String, Tensor, Tensor> convert) {
        WeightReader w = new WeightReader((key, dims) -> convert.apply(key, init(config, key, dims, seed)));
        return switch (config.modelType()) {
            case "gpt2" -> Gpt2Model.load(config, w);
            default -> LlamaModel.load(config, w);
        };
    }

    /** Writes config.json and the weights (in the config's dtype) to {@code dir}. */
    public static void write(CausalLM model, Path dir) {
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            entries.add(TensorEntry.of(e.getKey(), e.getValue(), model.config().dtype()));
        }
        try {
            Files.createDirectories(dir);
            Checkpoint.write(dir, entries, Map.of("format", "pt"));
            dev.tailor.io.AtomicFile.writeString(dir.resolve("config.json"), model.config().toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Tensor init(ModelConfig config, String key, int[] dims, long seed) {
        Tensor t = Tensor.zeros(dims);
        float[] v = t.data();
        boolean norm = key.endsWith("norm.weight") || key.matches(".*\\.ln_\\w+\\.weight");
        if (norm) {
            java.util.Arrays.fill(v, 1f);
        } else if (!key.endsWith(".bias")) {
            double std = INITIALIZER_RANGE;
            if (config.modelType().equals("gpt2") && key.endsWith("c_proj.weight")) std /= Math.sqrt(2.0 * config.numLayers());
            SplittableRandom r = new SplittableRandom(seed ^ key.hashCode() * 0x9E3779B97F4A7C15L);
            for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * std);
        }
        return t;
    }
}
