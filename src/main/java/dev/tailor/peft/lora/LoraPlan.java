package dev.tailor.peft.lora;

import dev.tailor.models.CausalLM;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearSlot;
import dev.tailor.nn.TensorSlot;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.ModuleSelector;
import dev.tailor.peft.TensorSource;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides what one LoRA adapter adds to a model (which layers get A and B, which biases train,
 * which modules are copied in full) and takes each tensor from a {@link TensorSource} under its PEFT
 * key: {@code base_model.model.<path>.lora_A.weight} (r, in), {@code .lora_B.weight} (out, r),
 * {@code .lora_magnitude_vector} (out), {@code .base_layer.bias} (or {@code .bias} for a layer without
 * A and B), and {@code base_model.model.<path>.weight} / {@code .bias} for modules_to_save.
 */
final class LoraPlan {

    static final String PREFIX = "base_model.model.";

    /**
     * @param layers      module path -> the adapter's tensors on that linear layer, in model order
     * @param linearCopies module path -> trainable full copy (modules_to_save)
     * @param embedding   trainable copy of the token embedding (modules_to_save), or null
     * @param trainable   PEFT key -> tensor, everything this adapter trains, in model order
     */
    record Built(Map<String, LoraWeights> layers, Map<String, Linear> linearCopies, Tensor embedding, Map<String, Tensor> trainable) {}

    private LoraPlan() {}

    /**
     * @param originals the base layer at a module path, under any adapter wrapper or copy
     * @param embedding the model's own token embedding, under any copy
     */
    static Built build(CausalLM model, LoraConfig c, TensorSource src, Function<String, Linear> originals, Tensor embedding) {
        refuseUntrainableBiases(model, c);
        Map<String, LoraWeights> layers = new LinkedHashMap<>();
        Map<String, Linear> copies = new LinkedHashMap<>();
        Map<String, Tensor> trainable = new LinkedHashMap<>();
        Set<String> savedNames = new HashSet<>();
        for (LinearSlot s : model.linears()) {
            String path = s.path();
            Linear base = originals.apply(path);
            boolean target = ModuleSelector.selects(c.targetModules(), c.excludeModules(), c.layersToTransform(), c.layersPattern(),
                    path, model.headPath());
            if (ModuleSelector.named(c.modulesToSave(), path)) {
                if (target) throw new IllegalArgumentException("module '" + path + "' is both a LoRA target and in modules_to_save; choose one");
                copies.put(path, copyLinear(src, path, base, trainable));
                savedNames.add(path);
                continue;
            }
            boolean trainBias = base.bias() != null && (c.bias() == LoraConfig.Bias.ALL || c.bias() == LoraConfig.Bias.LORA_ONLY && target);
            if (target || trainBias) layers.put(path, weights(c, src, path, base, target, trainBias, trainable));
        }
        Tensor embCopy = null;
        TensorSlot emb = model.tokenEmbedding();
        if (ModuleSelector.named(c.modulesToSave(), emb.path())) {
            embCopy = src.take(PREFIX + emb.path() + ".weight", embedding.shape().dims(), r -> widen(embedding));
            trainable.put(PREFIX + emb.path() + ".weight", embCopy);
            savedNames.add(emb.path());
        }
        checkEveryNameMatched(model, c, layers, savedNames);
        return new Built(layers, copies, embCopy, trainable);
    }

    private static LoraWeights weights(LoraConfig c, TensorSource src, String path, Linear base, boolean target, boolean trainBias,
                                       Map<String, Tensor> trainable) {
        String p = PREFIX + path;
        int in = base.inFeatures(), out = base.outFeatures();
        float scale = c.scaleFor(path);
        Tensor a = null, b = null, m = null, bias = null;
        if (target) {
            int r = c.rankFor(path);
            a = src.take(p + ".lora_A.weight", new int[] {r, in}, loraA(c.init(), r, in));
            b = src.take(p + ".lora_B.weight", new int[] {out, r}, loraB(c.init(), out, r));
            trainable.put(p + ".lora_A.weight", a);
            trainable.put(p + ".lora_B.weight", b);
            if (c.useDora()) {
                Tensor fa = a, fb = b;
                m = src.take(p + ".lora_magnitude_vector", new int[] {out}, rnd -> LoraFold.rowNorms(base, fa, fb, scale)); // PEFT: m = ||W + s·B A||
                trainable.put(p + ".lora_magnitude_vector", m);
            }
        }
        if (trainBias) {
            String key = p + (target ? ".base_layer.bias" : ".bias");
            // Older PEFT files (and bias = "lora_only") name a wrapped layer's bias without "base_layer".
            if (target && src instanceof TensorSource.FromFile f && !f.contains(key) && f.contains(p + ".bias")) key = p + ".bias";
            bias = src.take(key, new int[] {out}, r -> widen(base.bias()));
            trainable.put(key, bias);
        }
        return new LoraWeights(a, b, m, bias, scale, (float) c.loraDropout());
    }

    private static Linear copyLinear(TensorSource src, String path, Linear base, Map<String, Tensor> trainable) {
        String p = PREFIX + path;
        Tensor w = src.take(p + ".weight", base.weight().shape().dims(), r -> widen(base.weight()));
        trainable.put(p + ".weight", w);
        Tensor bias = null;
        if (base.bias() != null) {
            bias = src.take(p + ".bias", base.bias().shape().dims(), r -> widen(base.bias()));
            trainable.put(p + ".bias", bias);
        }
        return new Linear(w, bias, base.layout());
    }

    private static float[] widen(Tensor t) { return t.copy().data(); }

    /** lora_A's init for this config. */
    static TensorSource.Init loraA(LoraConfig.Init init, int r, int in) {
        return switch (init) {
            case KAIMING, RANDOM, EVA -> TensorSource.kaiming(r * in, in);
            case GAUSSIAN -> TensorSource.gaussian(r * in, 1.0 / r);
        };
    }

    /** lora_B's init: zero, so the adapter starts as the identity, except init_lora_weights = false. */
    static TensorSource.Init loraB(LoraConfig.Init init, int out, int r) {
        return init == LoraConfig.Init.RANDOM ? TensorSource.kaiming(out * r, r) : TensorSource.zeros(out * r);
    }

    /** bias = "all" trains every bias of the model in PEFT, norm biases too; adapters reach only linear biases. */
    private static void refuseUntrainableBiases(CausalLM model, LoraConfig c) {
        if (c.bias() != LoraConfig.Bias.ALL) return;
        Set<String> linearBiases = new HashSet<>();
        for (LinearSlot s : model.linears()) linearBiases.add(s.path() + ".bias");
        List<String> others = new ArrayList<>();
        for (String k : model.parameters().keySet()) if (k.endsWith(".bias") && !linearBiases.contains(k)) others.add(k);
        if (!others.isEmpty()) {
            throw new IllegalArgumentException("bias = \"all\" would also train " + others.size() + " non-linear biases (" + others.get(0)
                    + ", ...), which adapters cannot reach; use bias = \"lora_only\" or \"none\"");
        }
    }

    private static void checkEveryNameMatched(CausalLM model, LoraConfig c, Map<String, LoraWeights> layers, Set<String> saved) {
        boolean anyTarget = false;
        for (LoraWeights w : layers.values()) anyTarget |= w.lowRank();
        if (!anyTarget) {
            List<String> paths = new ArrayList<>();
            for (LinearSlot s : model.linears()) paths.add(s.path());
            throw new IllegalArgumentException("target_modules " + c.targetModules() + " (layers_to_transform " + c.layersToTransform()
                    + ") match no linear layer of the model; its linear layers are " + paths.subList(0, Math.min(8, paths.size())) + (paths.size() > 8 ? " ..." : ""));
        }
        for (String name : c.modulesToSave()) {
            boolean hit = false;
            for (String p : saved) hit |= ModuleSelector.named(List.of(name), p);
            if (!hit) {
                throw new IllegalArgumentException("modules_to_save '" + name + "' matches no module that can be trained in full (linear layers, e.g. "
                        + model.headPath() + ", and the token embedding " + model.tokenEmbedding().path() + ")");
            }
        }
    }
}
