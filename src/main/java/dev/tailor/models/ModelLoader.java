package dev.tailor.models;

import dev.tailor.io.Checkpoint;
import dev.tailor.models.gpt2.Gpt2Model;
import dev.tailor.models.llama.LlamaModel;
import dev.tailor.quant.Nf4Base;

import java.nio.file.Path;

/** Opens a Hugging Face model folder: config.json plus model.safetensors (or shards). */
public final class ModelLoader {

    private ModelLoader() {}

    /**
     * Loads the model in {@code dir}. Frozen weights are read in place from the mapped files in
     * their stored dtype; with {@code trainable} every weight becomes a float32 parameter (full
     * fine-tuning).
     */
    public static CausalLM load(Path dir, boolean trainable) {
        return load(dir, new LoadOptions(trainable, false));
    }

    /**
     * Loads the model in {@code dir} as {@code options} say; with {@code nf4} the block linears are
     * quantised tensor by tensor as they are read from the mapping (see {@link Nf4Base}), so no
     * float32 copy of the model is ever made.
     */
    public static CausalLM load(Path dir, LoadOptions options) {
        ModelConfig config = ModelConfig.load(dir);
        Checkpoint ckpt = Checkpoint.open(dir);
        String prefix = config.modelType().equals("gpt2") ? "transformer." : "";
        String source = ckpt.location().toString();
        WeightReader w = options.nf4()
                ? new WeightReader(source, ckpt.names(), ckpt::tensor, prefix, Nf4Base::convert)
                : new WeightReader(source, ckpt.names(), ckpt::tensor, prefix, options.trainable());
        return switch (config.modelType()) {
            case "gpt2" -> Gpt2Model.load(config, w);
            default -> LlamaModel.load(config, w);
        };
    }
}
