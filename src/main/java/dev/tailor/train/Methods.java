package dev.tailor.train;

import dev.tailor.peft.ParamGroup;
import dev.tailor.io.AtomicFile;
import dev.tailor.io.Checkpoint;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.models.LoadOptions;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.PeftConfig;
import dev.tailor.peft.PeftModel;
import dev.tailor.peft.Targets;
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

    public static final List<String> SUPPORTED = List.of("full", "lora", "dora", "qlora",
            "prompt", "prefix", "ptuning-v2", "mezo");

    /** Files of a model folder that the trained model keeps using unchanged. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model");

    private Methods() {}

    /**
     * Loads {@code modelDir} ready for {@code method}. {@code lora} configures the adapter methods
     * (DoRA turns on use_dora; QLoRA loads the block weights as NF4 first); {@code seed} draws the
     * adapter's initial A matrices.
     */
    public static Trainable prepare(String method, Path modelDir, LoraConfig lora, long seed) {
        return prepare(method, modelDir, lora, seed, PromptOptions.defaults());
    }

    /** {@link #prepare(String, Path, LoraConfig, long)} with the settings of prompt tuning, prefix tuning and MeZO. */
    public static Trainable prepare(String method, Path modelDir, LoraConfig lora, long seed, PromptOptions more) {
        return switch (method) {
            case "full" -> full(ModelLoader.load(modelDir, true), modelDir);
            case "lora" -> adapter(ModelLoader.load(modelDir, false), lora, seed);
            case "dora" -> adapter(ModelLoader.load(modelDir, false), lora.withDora(true), seed);
            case "qlora" -> adapter(ModelLoader.load(modelDir, LoadOptions.NF4), lora, seed);
            case "prompt" -> adapter(ModelLoader.load(modelDir, false), more.prompt(), seed);
            case "prefix" -> adapter(ModelLoader.load(modelDir, false), more.prefix(true), seed);
            case "ptuning-v2" -> adapter(ModelLoader.load(modelDir, false), more.prefix(false), seed);
            case "mezo" -> mezo(modelDir, lora, seed, more);
            default -> throw new IllegalArgumentException("--method '" + method + "' is not available (supported: " + SUPPORTED + ")");
        };
    }

    /** Full fine-tuning with default settings (the adapter options are unused). */
    public static Trainable prepare(String method, Path modelDir) {
        return prepare(method, modelDir, LoraConfig.of(16, 32, new Targets.AllLinear()), 0);
    }

    /** A PEFT adapter over a frozen base: only the adapter trains, and the result is saved in the PEFT layout. */
    public static Trainable adapter(CausalLM model, PeftConfig config, long seed) {
        PeftModel peft = Adapters.apply(model, config, "default", seed);
        return new Trainable(model, peft.paramGroups(), peft::save);
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

    /**
     * MeZO over every weight (saved as a full model) or over a LoRA adapter (saved as one): the
     * tensors still carry requiresGrad so the summary counts them, but MeZO's step runs without a tape.
     */
    public static Trainable mezo(Path modelDir, LoraConfig lora, long seed, PromptOptions o) {
        Trainable base = switch (o.mezoParams()) {
            case FULL -> full(ModelLoader.load(modelDir, true), modelDir);
            case LORA -> adapter(ModelLoader.load(modelDir, false), lora, seed);
        };
        List<Tensor> params = new ArrayList<>();
        for (ParamGroup g : base.groups()) params.addAll(g.params());
        return base.withStep(new Mezo(base.model(), params, o.mezoEps(), o.mezoDecay(), seed));
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
