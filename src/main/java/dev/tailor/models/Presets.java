package dev.tailor.models;

import dev.tailor.tensor.DType;

import java.util.List;

/**
 * Model shapes for {@code init-model}: a preset gives the sizes of a known model, an architecture
 * gives the family's conventions (GPT-2's learned positions and LayerNorm, Qwen2's q/k/v biases,
 * Qwen3's q/k norms).
 */
public final class Presets {

    public static final List<String> ARCHS = List.of("llama", "qwen2", "qwen3", "gpt2");
    public static final List<String> PRESETS = List.of("tiny", "demo", "smollm2-135m", "qwen2.5-0.5b");

    /** Sizes of a preset: vocab, hidden, intermediate, layers, heads, kv heads, max positions, eps, theta. */
    private record Sizes(int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
                         int maxPositions, double eps, double theta) {}

    private Presets() {}

    private static Sizes sizes(String preset) {
        return switch (preset) {
            case "tiny" -> new Sizes(256, 64, 172, 2, 4, 2, 256, 1e-5, 10000);
            // The embedded demo base model: ~5M parameters over a 4096-token BPE vocabulary.
            case "demo" -> new Sizes(4096, 256, 688, 6, 8, 4, 512, 1e-5, 10000);
            // HuggingFaceTB/SmolLM2-135M
            case "smollm2-135m" -> new Sizes(49152, 576, 1536, 30, 9, 3, 8192, 1e-5, 100000);
            // Qwen/Qwen2.5-0.5B
            case "qwen2.5-0.5b" -> new Sizes(151936, 896, 4864, 24, 14, 2, 32768, 1e-6, 1000000);
            default -> throw new IllegalArgumentException("unknown preset '" + preset + "' (supported: " + PRESETS + ")");
        };
    }

    /** The config.json of {@code arch} at the sizes of {@code preset}, stored as {@code dtype}. */
    public static ModelConfig config(String arch, String preset, DType dtype) {
        Sizes s = sizes(preset);
        return config(arch, preset, dtype, s.vocab, 0, new int[] {s.vocab - 1});
    }

    /**
     * The same, for a given tokenizer: its vocabulary size and special token ids replace the
     * preset's (pretraining from scratch with one's own tokenizer).
     */
    public static ModelConfig config(String arch, String preset, DType dtype, int vocab, Integer bos, int[] eos) {
        Sizes s = sizes(preset);
        int headDim = s.hidden / s.heads;
        int[] windows = new int[s.layers];
        return switch (arch) {
            case "llama" -> new ModelConfig("llama", vocab, s.hidden, s.intermediate, s.layers, s.heads, s.kvHeads, headDim,
                    s.maxPositions, s.eps, s.theta, RopeScaling.DEFAULT, false, false, false, false, null, windows,
                    true, "silu", dtype, bos, eos);
            case "qwen2" -> new ModelConfig("qwen2", vocab, s.hidden, s.intermediate, s.layers, s.heads, s.kvHeads, headDim,
                    s.maxPositions, s.eps, s.theta, RopeScaling.DEFAULT, true, false, false, false, null, windows,
                    true, "silu", dtype, bos, eos);
            case "qwen3" -> new ModelConfig("qwen3", vocab, s.hidden, s.intermediate, s.layers, s.heads, s.kvHeads, headDim,
                    s.maxPositions, s.eps, s.theta, RopeScaling.DEFAULT, false, false, false, true, null, windows,
                    true, "silu", dtype, bos, eos);
            case "gpt2" -> new ModelConfig("gpt2", vocab, s.hidden, 4 * s.hidden, s.layers, s.heads, s.heads, headDim,
                    Math.min(s.maxPositions, 2048), 1e-5, 0, null, true, true, true, false, null, windows,
                    true, "gelu_new", dtype, bos, eos);
            default -> throw new IllegalArgumentException("unknown architecture '" + arch + "' (supported: " + ARCHS + ")");
        };
    }
}
