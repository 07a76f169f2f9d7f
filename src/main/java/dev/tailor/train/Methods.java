package dev.tailor.train;

import dev.tailor.io.AtomicFile;
import dev.tailor.io.Checkpoint;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Prepares a model for a fine-tuning method: one switch over the method names. */
public final class Methods {

    public static final List<String> SUPPORTED = List.of("full");

    /** Files of a model folder that the trained model keeps using unchanged. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model");

    private Methods() {}

    public static Trainable prepare(String method, Path modelDir) {
        return switch (method) {
            case "full" -> full(ModelLoader.load(modelDir, true), modelDir);
            default -> throw new IllegalArgumentException("--method '" + method + "' is not available (supported: " + SUPPORTED + ")");
        };
    }

    /**
     * Full fine-tuning: every weight trains; the result is a model folder in the base model's dtype.
     * The weights must be float32 arrays ({@code ModelLoader.load(dir, true)} or {@code ModelInit.create}).
     */
    public static Trainable full(CausalLM model, Path modelDir) {
        List<Tensor> all = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            if (!e.getValue().isFloat32()) {
                throw new IllegalArgumentException("full fine-tuning needs float32 weights; '" + e.getKey() + "' is " + e.getValue().dtype()
                        + " (load the model with ModelLoader.load(dir, true))");
            }
            all.add(e.getValue().requiresGrad(true));
        }
        return new Trainable(model, List.of(new ParamGroup("full", all, 1.0)), dir -> writeModel(model, modelDir, dir));
    }

    static void writeModel(CausalLM model, Path sourceDir, Path dir) throws IOException {
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) entries.add(TensorEntry.of(e.getKey(), e.getValue(), model.config().dtype()));
        Files.createDirectories(dir);
        Checkpoint.write(dir, entries, Map.of("format", "pt"));
        AtomicFile.writeString(dir.resolve("config.json"), model.config().toJson());
        if (sourceDir == null) return;
        for (String f : TOKENIZER_FILES) {
            Path src = sourceDir.resolve(f);
            if (Files.isRegularFile(src)) Files.copy(src, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
