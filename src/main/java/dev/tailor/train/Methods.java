package dev.tailor.train;

import dev.tailor.peft.ParamGroup;
import dev.tailor.io.AtomicFile;
import dev.tailor.io.Checkpoint;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.models.LoadOptions;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.BitFitConfig;
import dev.tailor.peft.Ia3Config;
import dev.tailor.peft.selective.FreezeTuning;
import dev.tailor.peft.selective.HalfFineTuning;
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

    public static final List<String> SUPPORTED = List.of("full", "lora", "dora", "qlora", "adapter", "ia3", "bitfit", "freeze", "hft",
            "prompt", "prefix", "ptuning-v2", "mezo");

    /** Files of a model folder that the trained model keeps using unchanged. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model");

    private Methods() {}

    /**
     * Loads {@code modelDir} ready for {@code method}: adapter methods (lora, dora, qlora, adapter,
     * ia3, bitfit, prompt, prefix, ptuning-v2) over a frozen base read in place, the others (full, freeze, hft) over float32
     * weights that train in place; mezo over either, by its own step. NoisyTune, when on, perturbs the pretrained tensors the method trains.
     */
    public static Trainable prepare(String method, Path modelDir, MethodOptions o) {
        if (o.noisyTune() > 0 && !List.of("full", "freeze", "hft", "bitfit").contains(method)) {
            throw new IllegalArgumentException("--noisytune perturbs the pretrained weights a method trains; --method " + method
                    + " trains only new tensors over a frozen base that is not saved with them, so the noise would be lost (use it with full, freeze, hft or bitfit)");
        }
        return switch (method) {
            case "full" -> full(ModelLoader.load(modelDir, true), modelDir, o.noisyTune(), o.seed());
            case "lora" -> adapter(ModelLoader.load(modelDir, false), o.lora(), o.seed());
            case "dora" -> adapter(ModelLoader.load(modelDir, false), o.lora().withDora(true), o.seed());
            case "qlora" -> adapter(ModelLoader.load(modelDir, LoadOptions.NF4), o.lora(), o.seed());
            case "adapter" -> adapter(ModelLoader.load(modelDir, false), o.adapter(), o.seed());
            case "ia3" -> ia3(ModelLoader.load(modelDir, false), o.targets(), o.feedforward(), o.seed());
            case "bitfit" -> bitfit(ModelLoader.load(modelDir, false), new BitFitConfig(o.targets()), o.noisyTune(), o.seed());
            case "freeze" -> freeze(ModelLoader.load(modelDir, true), modelDir, o.freezeTrainableLayers(), o.freezeTrainableModules(), o.noisyTune(), o.seed());
            case "hft" -> hft(ModelLoader.load(modelDir, true), modelDir, o.hftRoundSteps(), o.noisyTune(), o.seed());
            case "prompt" -> adapter(ModelLoader.load(modelDir, false), o.prompts().prompt(), o.seed());
            case "prefix" -> adapter(ModelLoader.load(modelDir, false), o.prompts().prefix(true), o.seed());
            case "ptuning-v2" -> adapter(ModelLoader.load(modelDir, false), o.prompts().prefix(false), o.seed());
            case "mezo" -> mezo(modelDir, o.lora(), o.seed(), o.prompts());
            default -> throw new IllegalArgumentException("--method '" + method + "' is not available (supported: " + SUPPORTED + ")");
        };
    }

    /** {@link #prepare(String, Path, MethodOptions)} with LoRA settings and defaults for the rest. */
    public static Trainable prepare(String method, Path modelDir, LoraConfig lora, long seed) {
        return prepare(method, modelDir, MethodOptions.defaults().withLora(lora).withSeed(seed));
    }

    /** Full fine-tuning with default settings (the adapter options are unused). */
    public static Trainable prepare(String method, Path modelDir) {
        return prepare(method, modelDir, MethodOptions.defaults());
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
    public static Trainable full(CausalLM model, Path modelDir) { return full(model, modelDir, 0, 0); }

    /** Full fine-tuning after NoisyTune with λ = {@code noisyTune} (0 = none). */
    public static Trainable full(CausalLM model, Path modelDir, double noisyTune, long seed) {
        Map<String, Tensor> all = inPlace(model, model.parameters(), "full fine-tuning");
        NoisyTune.perturb(all, noisyTune, seed);
        return new Trainable(model, List.of(new ParamGroup("full", List.copyOf(all.values()), 1.0)), dir -> writeModel(model, modelDir, dir));
    }

    /** (IA)³ with the given target and feedforward modules, PEFT's defaults for the architecture where null. */
    public static Trainable ia3(CausalLM model, Targets targets, Targets feedforward, long seed) {
        Ia3Config d = Ia3Config.defaultsFor(model.config().modelType());
        if (targets == null) targets = d.targetModules();
        if (feedforward == null) feedforward = defaultFeedforward(d, targets);
        return adapter(model, new Ia3Config(targets, feedforward, null, true), seed);
    }

    /** PEFT's feedforward default for the architecture, kept to the names among a target list. */
    private static Targets defaultFeedforward(Ia3Config defaults, Targets targets) {
        if (!(targets instanceof Targets.Names t) || !(defaults.feedforwardModules() instanceof Targets.Names ff)) return defaults.feedforwardModules();
        List<String> kept = new ArrayList<>();
        for (String n : ff.names()) if (t.names().contains(n)) kept.add(n);
        return new Targets.Names(kept);
    }

    /** BitFit: trainable copies of the selected linear layers' biases, perturbed by NoisyTune when λ > 0. */
    public static Trainable bitfit(CausalLM model, BitFitConfig config, double noisyTune, long seed) {
        PeftModel peft = Adapters.apply(model, config, "default", seed);
        NoisyTune.perturb(peft.trainable(), noisyTune, seed);
        return new Trainable(model, peft.paramGroups(), peft::save);
    }

    /** Freeze tuning: the selected blocks' tensors train in place; the result is a full model folder. */
    public static Trainable freeze(CausalLM model, Path modelDir, int layers, List<String> modules, double noisyTune, long seed) {
        Map<String, Tensor> chosen = FreezeTuning.select(model, layers, modules);
        for (Tensor t : model.parameters().values()) t.requiresGrad(false);
        Map<String, Tensor> train = inPlace(model, chosen, "freeze tuning");
        NoisyTune.perturb(train, noisyTune, seed);
        return new Trainable(model, List.of(new ParamGroup("freeze", List.copyOf(train.values()), 1.0)), dir -> writeModel(model, modelDir, dir));
    }

    /**
     * Half Fine-Tuning: every pretrained tensor is a candidate; before each step the hook applies
     * the current round's half (the first round is applied here already, so the summary counts it).
     */
    public static Trainable hft(CausalLM model, Path modelDir, int roundSteps, double noisyTune, long seed) {
        Map<String, Tensor> all = inPlace(model, model.parameters(), "Half Fine-Tuning");
        NoisyTune.perturb(all, noisyTune, seed);
        HalfFineTuning half = new HalfFineTuning(model, roundSteps, seed);
        List<ParamGroup> groups = List.of(new ParamGroup("hft", List.copyOf(all.values()), 1.0));
        half.beforeStep(0);
        return new Trainable(model, groups, dir -> writeModel(model, modelDir, dir), half::beforeStep);
    }

    /** Marks {@code tensors} trainable, refusing any that is not a float32 array. */
    private static Map<String, Tensor> inPlace(CausalLM model, Map<String, Tensor> tensors, String what) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (!e.getValue().isFloat32()) {
                throw new IllegalArgumentException(what + " needs float32 weights; '" + e.getKey() + "' is " + e.getValue().dtype()
                        + " (load the model with ModelLoader.load(dir, true))");
            }
            e.getValue().requiresGrad(true);
        }
        return tensors;
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
