package dev.tailor.train;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.Targets;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * FLOP counts of the tiny Llama preset (V 256, C 64, I 172, 2 layers, 4 heads of 16, 2 kv heads,
 * tied head) at batch 2 x 8 (N = 16 tokens), worked out by hand:
 * <pre>
 * in·out per block: q 64·64 + k 64·32 + v 64·32 + o 64·64 + gate, up, down 3·64·172 = 45312
 * all linears: 2·45312 + head 64·256 = 107008;  dense pass 2·16·107008 = 3424256
 * attention: T(T+1)/2 = 36 pairs; one product 2·B·H·D·36 = 2·2·4·16·36 = 9216
 *            forward 2 products x 2 layers = 36864; backward 4 x 2 = 73728
 * LoRA r=4 (block linears only): sum(in+out) per block 128+96+96+128+3·236 = 1156, x2 = 2312;
 *            2·16·4·2312 = 295936 per pass
 * </pre>
 */
class StepFlopsTest {

    private static CausalLM tiny() { return ModelInit.create(Presets.config("llama", "tiny", DType.F32), 1); }

    @Test
    void fullFineTuningCountsWeightGradientsOfEveryLinear() {
        CausalLM m = tiny();
        for (Tensor t : m.parameters().values()) t.requiresGrad(true);
        StepFlops f = StepFlops.of(m, 2, 8);
        assertEquals(3424256 + 36864, f.forward());
        assertEquals(3424256 + 73728, f.backwardInput());
        assertEquals(3424256, f.backwardWeight());
    }

    @Test
    void frozenBaseCountsOnlyTheAdapterWeightGradients() {
        CausalLM m = tiny();
        Adapters.apply(m, LoraConfig.of(4, 8, new Targets.AllLinear()), "default", 1);
        StepFlops f = StepFlops.of(m, 2, 8);
        assertEquals(3424256 + 36864 + 295936, f.forward());
        assertEquals(3424256 + 73728 + 295936, f.backwardInput());
        assertEquals(295936, f.backwardWeight());
        assertEquals(3757056 + 3793920 + 295936, f.total());
    }
}
