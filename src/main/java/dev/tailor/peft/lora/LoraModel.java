package dev.tailor.peft.lora;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.SafetensorsWriter;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.ParamGroup;
import dev.tailor.peft.PeftModel;
import dev.tailor.peft.TensorSource;
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
 * LoRA adapters (LoRA, rsLoRA, DoRA, LoRA+, QLoRA) on one base model. Each targeted linear layer's
 * slot holds a {@link LoraLinear} that carries every adapter's A and B; modules_to_save copies are
 * swapped into their slots when their adapter becomes active, and the originals put back otherwise.
 * Use one LoraModel per base model.
 */
public final class LoraModel implements PeftModel {

    public static final String DEFAULT = "default";
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private record Entry(LoraConfig config, LoraPlan.Built built) {}

    private final CausalLM model;
    private final Map<String, LinearSlot> slots = new LinkedHashMap<>();        // module path -> slot
    private final Map<String, Entry> adapters = new LinkedHashMap<>();
    private final Map<String, LoraLinear> loraLayers = new LinkedHashMap<>();   // module path -> wrapper
    private final Map<String, LinearLayer> savedOriginals = new LinkedHashMap<>(); // what a modules_to_save slot holds when no copy is active
    private Tensor embeddingOriginal;                                           // set once an adapter copies the embedding
    private String active;

    private LoraModel(CausalLM model) {
        this.model = model;
        for (LinearSlot s : model.linears()) slots.put(s.path(), s);
    }

    /** A handle for attaching LoRA adapters to {@code model}. */
    public static LoraModel wrap(CausalLM model) { return new LoraModel(model); }

    /** Attaches a freshly initialised adapter (PEFT's init) and makes it active. */
    public LoraModel add(String name, LoraConfig config, long seed) {
        if (config.init() == LoraConfig.Init.EVA) throw new IllegalArgumentException("init_lora_weights = \"eva\" needs activation statistics; load such an adapter from its files");
        return attach(name, config, new TensorSource.Fresh(seed));
    }

    /** Attaches the adapter saved in {@code dir} (PEFT layout) under {@code name} and makes it active. */
    public LoraModel load(String name, Path dir) {
        LoraConfig config = LoraConfigJson.read(dir.resolve(CONFIG_FILE));
        return load(name, config, dir);
    }

    /** Like {@link #load(String, Path)} with an already-read config. */
    public LoraModel load(String name, LoraConfig config, Path dir) {
        Path weights = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(dir + ": expected " + WEIGHTS_FILE + " next to " + CONFIG_FILE
                    + (Files.isRegularFile(dir.resolve("adapter_model.bin")) ? " (found adapter_model.bin: a pickle, which Tailor does not read; re-save with safetensors)" : ""));
        }
        return attach(name, config, new TensorSource.FromFile(SafetensorsFile.open(weights)));
    }

    private LoraModel attach(String name, LoraConfig config, TensorSource src) {
        if (adapters.containsKey(name)) throw new IllegalArgumentException("an adapter named '" + name + "' is already attached");
        Tensor emb = embeddingOriginal != null ? embeddingOriginal : model.tokenEmbedding().get();
        LoraPlan.Built built = LoraPlan.build(model, config, src, path -> holder(path).base(), emb);
        if (src instanceof TensorSource.FromFile f && !f.unused().isEmpty()) {
            String key = f.unused().get(0);
            throw new IllegalArgumentException(f.source() + ": tensor '" + key + "' does not fit the model: " + unusedReason(key)
                    + (f.unused().size() > 1 ? " (and " + (f.unused().size() - 1) + " more)" : ""));
        }
        built.layers().forEach((path, w) -> loraLayer(path).add(name, w));
        for (String path : built.linearCopies().keySet()) savedOriginals.putIfAbsent(path, slots.get(path).get());
        if (built.embedding() != null && embeddingOriginal == null) embeddingOriginal = model.tokenEmbedding().get();
        adapters.put(name, new Entry(config, built));
        setActive(name);
        return this;
    }

    private String unusedReason(String key) {
        if (!key.startsWith(LoraPlan.PREFIX)) return "PEFT keys start with '" + LoraPlan.PREFIX + "'";
        String rest = key.substring(LoraPlan.PREFIX.length());
        for (String path : slots.keySet()) {
            if (rest.startsWith(path + ".")) return "module '" + path + "' exists but the adapter config does not select it for this tensor";
        }
        if (rest.startsWith(model.tokenEmbedding().path() + ".")) return "the token embedding is not in modules_to_save";
        return "the model has no module with that path";
    }

    /** What the slot holds under any modules_to_save copy: the base Linear or its LoraLinear. */
    private LinearLayer holder(String path) {
        return savedOriginals.containsKey(path) ? savedOriginals.get(path) : slots.get(path).get();
    }

    private LoraLinear loraLayer(String path) {
        LoraLinear existing = loraLayers.get(path);
        if (existing != null) return existing;
        LinearLayer h = holder(path);
        if (!(h instanceof Linear base)) throw new IllegalStateException("module '" + path + "' is already wrapped by " + h + "; LoRA wraps a plain linear layer");
        LoraLinear l = new LoraLinear(path, base);
        if (savedOriginals.containsKey(path)) savedOriginals.put(path, l);
        else slots.get(path).set(l);
        loraLayers.put(path, l);
        return l;
    }

    /** Detaches an adapter; when it was active, the model runs without adapters. */
    public void remove(String name) {
        requireAdapter(name);
        if (name.equals(active)) disable();
        for (LoraLinear l : loraLayers.values()) if (l.adapterNames().contains(name)) l.remove(name);
        adapters.remove(name);
    }

    @Override public CausalLM model() { return model; }

    @Override public List<String> adapterNames() { return List.copyOf(adapters.keySet()); }

    @Override public String active() { return active; }

    @Override public void setActive(String name) {
        if (name != null) requireAdapter(name);
        for (LoraLinear l : loraLayers.values()) l.setActive(name != null && l.adapterNames().contains(name) ? name : null);
        Entry e = name == null ? null : adapters.get(name);
        savedOriginals.forEach((path, original) -> {
            Linear copy = e == null ? null : e.built().linearCopies().get(path);
            slots.get(path).set(copy != null ? copy : original);
        });
        if (embeddingOriginal != null) {
            Tensor copy = e == null ? null : e.built().embedding();
            model.tokenEmbedding().set(copy != null ? copy : embeddingOriginal);
        }
        active = name;
    }

    @Override public void disable() { setActive(null); }

    @Override public LoraConfig config(String name) { return requireAdapter(name).config(); }

    @Override public Map<String, Tensor> trainable() { return requireActive().built().trainable(); }

    /**
     * LoRA+ groups, as PEFT's create_loraplus_optimizer sorts them: lora_B matrices and every 1-D
     * tensor (DoRA magnitudes, biases) learn at ratio × lr, everything else at lr. With ratio 1 a
     * single group.
     */
    @Override public List<ParamGroup> paramGroups() {
        Entry e = requireActive();
        double ratio = e.config().loraPlusLrRatio();
        List<Tensor> a = new ArrayList<>(), b = new ArrayList<>();
        e.built().trainable().forEach((key, t) -> (key.endsWith(".lora_B.weight") || t.rank() == 1 ? b : a).add(t));
        if (ratio == 1) {
            List<Tensor> all = new ArrayList<>(e.built().trainable().values());
            return List.of(new ParamGroup("lora", all, 1));
        }
        List<ParamGroup> groups = new ArrayList<>();
        if (!a.isEmpty()) groups.add(new ParamGroup("lora_A", a, 1));
        if (!b.isEmpty()) groups.add(new ParamGroup("lora_B", b, ratio));
        return groups;
    }

    @Override public void save(Path dir) {
        Entry e = requireActive();
        List<TensorEntry> entries = new ArrayList<>();
        new TreeMap<>(e.built().trainable()).forEach((key, t) -> entries.add(TensorEntry.of(key, t, DType.F32)));
        List<String> targetNames = new ArrayList<>();
        e.built().layers().forEach((path, w) -> { if (w.lowRank()) targetNames.add(path.substring(path.lastIndexOf('.') + 1)); });
        boolean fanInFanOut = false;
        for (String path : e.built().layers().keySet()) fanInFanOut |= loraLayers.get(path).base().layout() == WeightLayout.IN_OUT;
        try {
            Files.createDirectories(dir);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot create " + dir + ": " + ex.getMessage(), ex);
        }
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), entries, Map.of("format", "pt"));
        LoraConfigJson.write(dir.resolve(CONFIG_FILE), e.config(), targetNames, fanInFanOut);
    }

    @Override public void merge() {
        requireActive();
        for (LoraLinear l : loraLayers.values()) if (l.active() != null) l.merge();
    }

    @Override public void unmerge() {
        for (LoraLinear l : loraLayers.values()) l.unmerge();
    }

    @Override public MergedWeights mergedWeights() {
        requireActive();
        Map<String, Tensor> out = new LinkedHashMap<>(model.parameters());
        Tensor embedding = model.tokenEmbedding().get();
        out.put(model.tokenEmbedding().path() + ".weight", embedding);
        Tensor head = null;
        for (LinearSlot s : model.linears()) {
            LinearLayer h = s.get();
            Linear eff = h instanceof LoraLinear l && l.active() != null ? l.mergedLayer(l.weights(l.active())) : h.base();
            if (s.path().equals(model.headPath())) { head = eff.weight(); if (model.config().tieWordEmbeddings()) continue; }
            out.put(s.path() + ".weight", eff.weight());
            if (eff.bias() != null) out.put(s.path() + ".bias", eff.bias());
        }
        boolean untied = model.config().tieWordEmbeddings() && head != embedding;
        if (untied) out.put(model.headPath() + ".weight", head);
        return new MergedWeights(out, untied);
    }

    private Entry requireAdapter(String name) {
        Entry e = adapters.get(name);
        if (e == null) throw new IllegalArgumentException("no adapter named '" + name + "' (attached: " + adapters.keySet() + ")");
        return e;
    }

    private Entry requireActive() {
        if (active == null) throw new IllegalStateException("no adapter is active (attached: " + adapters.keySet() + ")");
        return adapters.get(active);
    }
}
