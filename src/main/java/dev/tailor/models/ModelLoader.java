package dev.tailor.models;

import dev.tailor.io.Checkpoint;
import dev.tailor.models.gpt2.Gpt2Model;
import dev.tailor.models.llama.LlamaModel;

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
        ModelConfig config = ModelConfig.load(dir);
        Checkpoint ckpt = Checkpoint.open(dir);
        String prefix = config.modelType().equals("gpt2") ? "transformer." : "";
        WeightReader w = new WeightReader(ckpt.location().toString(), ckpt.names(), ckpt::tensor, prefix, trainable);
        return switch (config.modelType()) {
            case "gpt2" -> Gpt2Model.load(config, w);
            default -> LlamaModel.load(config, w);
        };
    }
}
