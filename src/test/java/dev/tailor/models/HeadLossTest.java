package dev.tailor.models;

import dev.tailor.autograd.LossOps;
import dev.tailor.autograd.Tape;
import dev.tailor.nn.Linear;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.peft.Targets;
import dev.tailor.peft.prompt.PromptLearningModel;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link CausalLM#loss} (the head fused with the cross-entropy) against the logits path it
 * replaces, {@code crossEntropy(forward(in))}, on whole tiny models: full fine-tuning with the head
 * tied to the embedding (its gradient collects both uses), prompt tuning (virtual tokens sliced
 * off before the head), and a head wrapped by LoRA (which falls back to the logits). Tolerances as
 * LinearCrossEntropyOpTest: the loss to 1e-6 relative, gradients to 1e-5 of each tensor's largest
 * entry (the vocabulary sums run in another order; everything else is the same arithmetic).
 */
class HeadLossTest {

    private static final int I = LossOps.IGNORE_INDEX;
    private static final Inputs IN = Inputs.of(new int[] {3, 17, 5, 29, 11, 38, 0, 22, 9, 14, 200, 255, 7, 1}, 2, 7);
    private static final int[] LABELS = {3, 17, I, 29, 11, 38, 0, I, I, 14, 200, 255, 7, 1};

    @AfterEach void clearTape() { Tape.clear(); }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2", "gpt2", "untied"})
    void fullFineTuningMatchesTheLogitsPath(String arch) {
        CausalLM a = trainable(arch), b = trainable(arch);
        Tensor unfused = LossOps.crossEntropy(a.forward(IN), LABELS, true);
        Tape.backward(unfused);
        Tensor fused = b.loss(IN, LABELS, true);
        Tape.backward(fused);
        assertEquals(unfused.item(), fused.item(), 1e-6 * Math.abs(unfused.item()), arch + " loss");
        assertInstanceOf(Linear.class, b.linears().getLast().get(), "a plain head: the fused path ran");
        assertSameGradients(arch, new ArrayList<>(a.parameters().values()), new ArrayList<>(b.parameters().values()));
    }

    @Test
    void promptTuningGoesThroughTheFusedHead() {
        List<Tensor> grads = new ArrayList<>();
        float[] losses = new float[2];
        for (int k = 0; k < 2; k++) {
            CausalLM m = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 5);
            PromptLearningModel p = PromptLearningModel.wrap(m).add("p", PromptTuningConfig.of(3, PromptTuningConfig.Init.RANDOM), 1);
            Tensor loss = k == 0 ? LossOps.crossEntropy(m.forward(IN), LABELS, true) : m.loss(IN, LABELS, true);
            losses[k] = loss.item();
            Tape.backward(loss);
            grads.addAll(p.trainable().values());
        }
        assertEquals(losses[0], losses[1], 1e-6 * Math.abs(losses[0]), "loss");
        assertSameGradients("prompt tuning", grads.subList(0, grads.size() / 2), grads.subList(grads.size() / 2, grads.size()));
    }

    @Test
    void aWrappedHeadFallsBackToTheLogits() {
        float[] losses = new float[2];
        List<Tensor> grads = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            CausalLM m = ModelInit.create(untied(), 5);
            var peft = Adapters.apply(m, LoraConfig.of(2, 4, new Targets.Names(List.of("lm_head", "q_proj"))), "a", 1);
            assertFalse(m.linears().getLast().get() instanceof Linear, "LoRA wraps the head");
            Tensor loss = k == 0 ? LossOps.crossEntropy(m.forward(IN), LABELS, true) : m.loss(IN, LABELS, true);
            losses[k] = loss.item();
            Tape.backward(loss);
            grads.addAll(peft.trainable().values());
        }
        assertEquals(losses[0], losses[1], "the same logits path, the same bits");
        assertSameGradients("LoRA on lm_head", grads.subList(0, grads.size() / 2), grads.subList(grads.size() / 2, grads.size()));
    }

    /** A Llama with its own lm_head (the tiny presets tie it) and q/k/v/o and MLP biases. */
    private static ModelConfig untied() {
        return new ModelConfig("llama", 256, 16, 24, 1, 2, 1, 8, 64, 1e-5, 10000, RopeScaling.DEFAULT, true, true, true, false,
                null, new int[1], false, "silu", DType.F32, 0, new int[] {255});
    }

    private static CausalLM trainable(String arch) {
        CausalLM m = ModelInit.create(arch.equals("untied") ? untied() : Presets.config(arch, "tiny", DType.F32), 5);
        for (Tensor t : m.parameters().values()) t.requiresGrad(true);
        return m;
    }

    private static void assertSameGradients(String what, List<Tensor> expected, List<Tensor> actual) {
        assertEquals(expected.size(), actual.size());
        for (int k = 0; k < expected.size(); k++) {
            float[] e = expected.get(k).grad(), a = actual.get(k).grad();
            assertNotNull(e, what + ": tensor " + k + " got no gradient through the logits");
            assertNotNull(a, what + ": tensor " + k + " got no gradient through model.loss");
            double max = 0, worst = 0;
            for (int i = 0; i < e.length; i++) {
                max = Math.max(max, Math.abs(e[i]));
                worst = Math.max(worst, Math.abs(e[i] - a[i]));
            }
            assertTrue(worst <= 1e-5 * max, what + ": tensor " + k + " " + expected.get(k).shape() + ": max |diff| " + worst + " > 1e-5 x " + max);
        }
    }
}
