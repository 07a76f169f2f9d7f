package dev.tailor.peft.prompt;

import dev.tailor.autograd.Tape;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.tensor.DType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Virtual tokens initialised from the embeddings of ids a b c are, to the model, the tokens a b c
 * themselves: the prompt-tuned model on x must give the base model's logits on [a b c x] at x's
 * positions (Llama: RoPE positions 3..; GPT-2: learned positions added to the virtual tokens too).
 * Both paths run the same kernels on the same numbers, so the tolerance is the 1e-6 of JIT-tier
 * rounding the contract suite allows.
 */
class PromptTuningEquivalenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2"})
    void virtualTokensFromWordEmbeddingsActAsThoseTokens(String arch) {
        int[] virtual = {7, 100, 33}, x = {5, 9, 250, 17, 1, 64, 3, 8, 12, 44}; // x: B 2, T 5
        CausalLM base = ModelInit.create(Presets.config(arch, "tiny", DType.F32), 4);
        int[] joined = new int[2 * 8];
        for (int b = 0; b < 2; b++) {
            System.arraycopy(virtual, 0, joined, b * 8, 3);
            System.arraycopy(x, b * 5, joined, b * 8 + 3, 5);
        }
        float[] expected;
        try (var g = Tape.noGrad()) { expected = base.forward(Inputs.of(joined, 2, 8)).data(); } // (2, 8, V)
        var text = new PromptTuningConfig(3, PromptTuningConfig.Init.TEXT, "abc", null, List.of(List.of(7, 100, 33)));
        Adapters.apply(base, text, "a", 1);
        float[] actual;
        try (var g = Tape.noGrad()) { actual = base.forward(Inputs.of(x, 2, 5)).data(); } // (2, 5, V)
        int v = base.config().vocabSize();
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 5; t++) {
                for (int k = 0; k < v; k++) {
                    assertEquals(expected[((b * 8) + 3 + t) * v + k], actual[(b * 5 + t) * v + k], 1e-6, arch + " row " + b + " token " + t + " logit " + k);
                }
            }
        }
    }
}
