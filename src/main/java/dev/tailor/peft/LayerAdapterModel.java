package dev.tailor.peft;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.SafetensorsWriter;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearSlot;
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
import java.util.TreeMap;

/**
 * One adapter made of {@link PeftLinear} wrappers, as the bottleneck adapter, (IA)³ and BitFit
 * build it. Activating puts each wrapper into its layer's slot; disabling puts the base layer back
 * (so the base runs exactly); merging puts the folded layer there. Base weights are never written.
 */
public final class LayerAdapterModel implements PeftModel {

    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    /** Writes the method's adapter_config.json. */
    @FunctionalInterface
    public interface ConfigWriter { void write(Path file); }

    private enum State { ACTIVE, MERGED, DISABLED }

    private final CausalLM model;
    private final String name;
    private final PeftConfig config;
    private final Map<String, LinearSlot> slots = new LinkedHashMap<>();  // module path -> slot
    private final Map<String, PeftLinear> layers;                         // module path -> wrapper, model order
    private final Map<String, Tensor> trainable = new LinkedHashMap<>();  // saved key -> tensor
    private final ConfigWriter writer;
    private State state = State.DISABLED;

    private LayerAdapterModel(CausalLM model, String name, PeftConfig config, Map<String, PeftLinear> layers, ConfigWriter writer) {
        this.model = model;
        this.name = name;
        this.config = config;
        this.layers = new LinkedHashMap<>(layers);
        this.writer = writer;
        for (LinearSlot s : model.linears()) if (layers.containsKey(s.path())) slots.put(s.path(), s);
        layers.forEach((path, l) -> {
            LinearSlot s = slots.get(path);
            if (s == null) throw new IllegalArgumentException("the model has no linear layer '" + path + "'");
            if (s.get() != l.base()) {
                throw new IllegalStateException("module '" + path + "' already holds " + s.get() + "; apply one adapter method per base model");
            }
            l.tensors().forEach((k, t) -> {
                if (trainable.put(k, t) != null) throw new IllegalStateException("two layers save a tensor under '" + k + "'");
            });
        });
        if (layers.isEmpty()) throw new IllegalArgumentException(config.peftType() + ": the adapter wraps no layer");
    }

    /** Wraps each layer of {@code layers} (module path -> wrapper around that slot's current base) and activates the adapter. */
    public static LayerAdapterModel attach(CausalLM model, String name, PeftConfig config, Map<String, PeftLinear> layers, ConfigWriter writer) {
        LayerAdapterModel m = new LayerAdapterModel(model, name, config, layers, writer);
        m.setActive(name);
        return m;
    }

    /** The weights file of a saved adapter folder, opened for reading, or a clear error when it is missing. */
    public static TensorSource.FromFile open(Path dir) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) throw new IllegalArgumentException(dir + ": expected " + WEIGHTS_FILE + " next to " + Adapters.CONFIG_FILE);
        return new TensorSource.FromFile(SafetensorsFile.open(weights));
    }

    /** Refuses a file with tensors that no layer took, naming the first. */
    public static void requireAllUsed(TensorSource.FromFile f) {
        List<String> unused = f.unused();
        if (unused.isEmpty()) return;
        throw new IllegalArgumentException(f.source() + ": tensor '" + unused.get(0) + "' does not belong to any layer this adapter config selects"
                + (unused.size() > 1 ? " (and " + (unused.size() - 1) + " more)" : ""));
    }

    @Override public CausalLM model() { return model; }

    @Override public List<String> adapterNames() { return List.of(name); }

    @Override public String active() { return state == State.DISABLED ? null : name; }

    @Override public void setActive(String n) {
        if (n == null) { disable(); return; }
        if (!n.equals(name)) throw new IllegalArgumentException("no adapter named '" + n + "' (attached: [" + name + "])");
        layers.forEach((path, l) -> slots.get(path).set(l));
        state = State.ACTIVE;
    }

    @Override public void disable() {
        layers.forEach((path, l) -> slots.get(path).set(l.base()));
        state = State.DISABLED;
    }

    @Override public PeftConfig config(String n) {
        if (!n.equals(name)) throw new IllegalArgumentException("no adapter named '" + n + "' (attached: [" + name + "])");
        return config;
    }

    @Override public Map<String, Tensor> trainable() { return java.util.Collections.unmodifiableMap(trainable); }

    @Override public List<ParamGroup> paramGroups() {
        return List.of(new ParamGroup(config.peftType().toLowerCase(java.util.Locale.ROOT), new ArrayList<>(trainable.values()), 1));
    }

    @Override public void save(Path dir) {
        requireActive();
        List<TensorEntry> entries = new ArrayList<>();
        new TreeMap<>(trainable).forEach((k, t) -> entries.add(TensorEntry.of(k, t, DType.F32)));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), entries, Map.of("format", "pt"));
        writer.write(dir.resolve(Adapters.CONFIG_FILE));
    }

    @Override public void merge() {
        requireActive();
        Map<String, Linear> folded = new LinkedHashMap<>();
        layers.forEach((path, l) -> folded.put(path, l.folded())); // all or nothing: a refusal leaves every slot as it was
        folded.forEach((path, f) -> slots.get(path).set(f));
        state = State.MERGED;
    }

    @Override public void unmerge() {
        if (state == State.MERGED) setActive(name);
    }

    @Override public MergedWeights mergedWeights() {
        requireActive();
        Map<String, Tensor> out = new LinkedHashMap<>(model.parameters());
        boolean untied = false;
        for (Map.Entry<String, PeftLinear> e : layers.entrySet()) {
            Linear f = e.getValue().folded();
            String path = e.getKey();
            if (path.equals(model.headPath()) && model.config().tieWordEmbeddings()) untied = true;
            out.put(path + ".weight", f.weight());
            if (f.bias() != null) out.put(path + ".bias", f.bias());
        }
        return new MergedWeights(out, untied);
    }

    private void requireActive() {
        if (state == State.DISABLED) throw new IllegalStateException("the adapter '" + name + "' is disabled; activate it first");
    }
}
