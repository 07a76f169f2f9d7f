package dev.tailor.peft;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Where a new adapter's tensors come from: the method's initialisation, or a saved
 * adapter_model.safetensors. Every PEFT method takes its tensors through one of these, so loading
 * checks each key and shape the same way and reports the keys no module took.
 */
public sealed interface TensorSource {

    /** The tensor stored (or to be created) under a PEFT key; {@code init} makes a fresh one. */
    Tensor take(String key, int[] dims, Init init);

    /** How to make a fresh tensor when the source does not hold it. */
    @FunctionalInterface
    interface Init { float[] values(SplittableRandom random); }

    /** PEFT's initialisation, seeded per key so adding modules does not shift other tensors. */
    record Fresh(long seed) implements TensorSource {
        @Override public Tensor take(String key, int[] dims, Init init) {
            SplittableRandom random = new SplittableRandom(seed ^ (key.hashCode() * 0x9E3779B97F4A7C15L));
            return Tensor.of(init.values(random), dims).requiresGrad(true);
        }
    }

    /** Tensors read from a file: each must be there with exactly the expected shape; all must be used. */
    final class FromFile implements TensorSource {
        private final SafetensorsFile file;
        private final Set<String> used = new HashSet<>();

        public FromFile(SafetensorsFile file) { this.file = file; }

        @Override public Tensor take(String key, int[] dims, Init init) {
            if (!file.contains(key)) {
                throw new IllegalArgumentException(file.source() + ": tensor '" + key + "' is missing (expected shape " + Shape.of(dims) + ")");
            }
            Shape found = file.info(key).shape();
            if (!found.equals(Shape.of(dims))) {
                throw new IllegalArgumentException(file.source() + ": tensor '" + key + "' has shape " + found + ", but the model needs " + Shape.of(dims));
            }
            used.add(key);
            return file.tensor(key).copy().requiresGrad(true); // widened to a float32 parameter
        }

        public boolean contains(String key) { return file.contains(key); }

        public String source() { return file.source(); }

        /** The file's keys no module took, in file order. */
        public List<String> unused() {
            List<String> out = new ArrayList<>();
            for (String k : file.names()) if (!used.contains(k)) out.add(k);
            return out;
        }
    }

    /** nn.Linear's default init for a (rows, fanIn) weight: U(-1/sqrt(fanIn), 1/sqrt(fanIn)) = Kaiming-uniform with a = sqrt(5). */
    static Init kaiming(int count, int fanIn) {
        return r -> {
            float[] v = new float[count];
            double bound = 1.0 / Math.sqrt(fanIn);
            for (int i = 0; i < count; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            return v;
        };
    }

    static Init gaussian(int count, double std) {
        return r -> {
            float[] v = new float[count];
            for (int i = 0; i < count; i++) v[i] = (float) (r.nextGaussian() * std);
            return v;
        };
    }

    static Init zeros(int count) { return r -> new float[count]; }

    /** Every element equal to {@code value}. */
    static Init constant(int count, float value) {
        return r -> {
            float[] v = new float[count];
            java.util.Arrays.fill(v, value);
            return v;
        };
    }
}
