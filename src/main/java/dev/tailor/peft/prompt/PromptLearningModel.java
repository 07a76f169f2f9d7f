package dev.tailor.peft.prompt;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.SafetensorsWriter;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.peft.PeftConfig;
import dev.tailor.peft.ParamGroup;
import dev.tailor.peft.PeftModel;
import dev.tailor.peft.PrefixTuningConfig;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt tuning, prefix tuning and P-tuning v2 on one base model. The base's weights are never
 * touched: the active adapter reaches the model through {@link CausalLM#setPrompt}, which the
 * forward reads once per pass. The saved file holds one tensor, {@code prompt_embeddings}, as
 * PEFT's; a projected prefix is saved as the MLP's output, and loads as directly trained prefixes
 * (PEFT's inference mode), since the MLP cannot be recovered from it.
 */
public final class PromptLearningModel implements PeftModel {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private record Entry(PeftConfig config, PromptEncoder encoder) {}

    private final CausalLM model;
    private final Map<String, Entry> adapters = new LinkedHashMap<>();
    private String active;

    private PromptLearningModel(CausalLM model) { this.model = model; }

    /** A handle for attaching prompt-learning adapters to {@code model}. */
    public static PromptLearningModel wrap(CausalLM model) { return new PromptLearningModel(model); }

    /** Attaches freshly initialised virtual tokens (prompt tuning) or prefixes and makes them active. */
    public PromptLearningModel add(String name, PeftConfig config, long seed) {
        ModelConfig c = model.config();
        int layers = c.numLayers(), width = c.numKvHeads() * c.headDim();
        PromptEncoder e = switch (config) {
            case PromptTuningConfig p -> new PromptEncoder.VirtualTokens(PromptInit.virtualTokens(p, model.tokenEmbedding().get(), seed));
            case PrefixTuningConfig p when p.prefixProjection() -> PromptInit.projected(p, layers, width, seed);
            case PrefixTuningConfig p -> new PromptEncoder.Prefixes(PromptInit.prefixTable(p, layers, width, seed), layers, width);
            default -> throw new IllegalArgumentException("not a prompt-learning config: " + config.peftType());
        };
        return attach(name, config, e);
    }

    /** Attaches the adapter saved in {@code dir} (PEFT layout) under {@code name} and makes it active. */
    public PromptLearningModel load(String name, PeftConfig config, Path dir) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException(dir + ": expected " + WEIGHTS_FILE + " next to " + CONFIG_FILE);
        PromptConfigJson.checkAgainst(dir.resolve(CONFIG_FILE), PromptConfigJson.read(dir.resolve(CONFIG_FILE)), config, model.config());
        SafetensorsFile f = SafetensorsFile.open(weights);
        List<String> extra = new ArrayList<>(f.names());
        extra.remove(PromptEncoder.SAVED_KEY);
        if (!f.contains(PromptEncoder.SAVED_KEY) || !extra.isEmpty()) {
            throw new IllegalArgumentException(weights + ": expected exactly one tensor '" + PromptEncoder.SAVED_KEY + "', found " + f.names());
        }
        ModelConfig c = model.config();
        int l = switch (config) {
            case PromptTuningConfig p -> p.numVirtualTokens();
            case PrefixTuningConfig p -> p.numVirtualTokens();
            default -> throw new IllegalArgumentException("not a prompt-learning config: " + config.peftType());
        };
        int layers = c.numLayers(), width = c.numKvHeads() * c.headDim();
        int cols = config instanceof PromptTuningConfig ? c.hiddenSize() : layers * 2 * width;
        Tensor t = f.tensor(PromptEncoder.SAVED_KEY);
        if (t.rank() != 2 || t.dim(0) != l || t.dim(1) != cols) {
            throw new IllegalArgumentException(weights + ": tensor '" + PromptEncoder.SAVED_KEY + "' expected shape (" + l + ", " + cols + "), got " + t.shape());
        }
        Tensor table = t.copy(); // float32, trainable in place
        PromptEncoder e = config instanceof PromptTuningConfig ? new PromptEncoder.VirtualTokens(table) : new PromptEncoder.Prefixes(table, layers, width);
        return attach(name, config, e);
    }

    private PromptLearningModel attach(String name, PeftConfig config, PromptEncoder encoder) {
        if (adapters.containsKey(name)) throw new IllegalArgumentException("an adapter named '" + name + "' is already attached");
        for (Tensor t : encoder.trainable().values()) t.requiresGrad(true);
        adapters.put(name, new Entry(config, encoder));
        setActive(name);
        return this;
    }

    @Override public CausalLM model() { return model; }

    @Override public List<String> adapterNames() { return List.copyOf(adapters.keySet()); }

    @Override public String active() { return active; }

    @Override public void setActive(String name) {
        PromptEncoder e = name == null ? null : require(name).encoder();
        model.setPrompt(e == null ? null : e::prompt);
        active = name;
    }

    @Override public void disable() { setActive(null); }

    @Override public PeftConfig config(String name) { return require(name).config(); }

    @Override public Map<String, Tensor> trainable() { return requireActive().encoder().trainable(); }

    @Override public List<ParamGroup> paramGroups() {
        return List.of(new ParamGroup("prompt", List.copyOf(trainable().values()), 1));
    }

    @Override public void save(Path dir) {
        Entry e = requireActive();
        try {
            Files.createDirectories(dir);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot create " + dir + ": " + ex.getMessage(), ex);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), List.of(TensorEntry.of(PromptEncoder.SAVED_KEY, e.encoder().saved(), DType.F32)),
                Map.of("format", "pt"));
        PromptConfigJson.write(dir.resolve(CONFIG_FILE), e.config(), model.config());
    }

    @Override public void merge() { throw refusal(); }

    @Override public void unmerge() {} // nothing is ever merged

    @Override public MergedWeights mergedWeights() { throw refusal(); }

    private UnsupportedOperationException refusal() {
        return new UnsupportedOperationException(requireActive().config().peftType()
                + " cannot be merged into the model's weights: its virtual tokens or prefixes are extra inputs, not a change of any weight");
    }

    private Entry require(String name) {
        Entry e = adapters.get(name);
        if (e == null) throw new IllegalArgumentException("no adapter named '" + name + "' (attached: " + adapters.keySet() + ")");
        return e;
    }

    private Entry requireActive() {
        if (active == null) throw new IllegalStateException("no adapter is active (attached: " + adapters.keySet() + ")");
        return adapters.get(active);
    }
}
