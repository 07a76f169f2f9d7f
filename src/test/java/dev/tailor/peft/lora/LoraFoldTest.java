package dev.tailor.peft.lora;

import dev.tailor.Approx;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.autograd.Tape;
import dev.tailor.nn.Linear;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The adapted weight W + s·B A against a plain double-precision computation written here: DoRA's
 * row norms, merged weights in both layouts and in bf16, and DoRA's dropout form.
 */
class LoraFoldTest {

    /** W (out, in) in the requested layout, A (r, in), B (out, r), all seeded. */
    record Case(Linear base, Tensor a, Tensor b, double[][] w) {
        static Case of(int out, int in, int r, WeightLayout layout, long seed) {
            float[] wv = Approx.uniform(seed, out * in, -1, 1);
            double[][] w = new double[out][in];
            float[] stored = new float[out * in];
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < in; j++) {
                    w[o][j] = wv[o * in + j];
                    stored[layout == WeightLayout.OUT_IN ? o * in + j : j * out + o] = wv[o * in + j];
                }
            }
            int[] dims = layout == WeightLayout.OUT_IN ? new int[] {out, in} : new int[] {in, out};
            return new Case(new Linear(Tensor.of(stored, dims), null, layout),
                    Tensor.of(Approx.uniform(seed + 1, r * in, -1, 1), r, in), Tensor.of(Approx.uniform(seed + 2, out * r, -1, 1), out, r), w);
        }

        /** W + s·B A, in double. */
        double[][] adapted(double s) {
            int out = w.length, in = w[0].length, r = a.dim(0);
            double[][] v = new double[out][in];
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < in; j++) {
                    double d = 0;
                    for (int k = 0; k < r; k++) d += (double) b.data()[o * r + k] * a.data()[k * in + j];
                    v[o][j] = w[o][j] + s * d;
                }
            }
            return v;
        }
    }

    static double norm(double[] row) {
        double s = 0;
        for (double x : row) s += x * x;
        return Math.sqrt(s);
    }

    /**
     * The vector row norms against their scalar twin (summed in double). The vector sum keeps each
     * lane in float, at most ceil(in/16) positive terms: a relative error below (in/16)·2⁻²⁴, 6e-6
     * for in = 1541, and the rows differ by the rounding of fused against separate multiply-adds.
     */
    @ParameterizedTest
    @CsvSource({"3, 1541, 16, OUT_IN", "17, 576, 16, OUT_IN", "9, 40, 4, IN_OUT", "4, 15, 2, OUT_IN", "1541, 5, 16, IN_OUT", "40, 769, 8, IN_OUT"})
    void rowNormsMatchTheirScalarTwin(int out, int in, int r, WeightLayout layout) {
        Case c = Case.of(out, in, r, layout, out * 7L + in);
        float[] fast = LoraFold.rowNorms(c.base(), c.a(), c.b(), 0.5f), twin = LoraFold.rowNormsScalar(c.base(), c.a(), c.b(), 0.5f);
        for (int o = 0; o < out; o++) assertEquals(twin[o], fast[o], 1e-5 * twin[o], "norm of row " + o);
    }

    /** Rounding: r float32 products and sums per element, relative 1e-5 is ~100 ulps of headroom. */
    @ParameterizedTest
    @CsvSource({"7, 33, 3, OUT_IN", "33, 7, 3, IN_OUT", "257, 33, 8, OUT_IN", "33, 257, 8, IN_OUT", "1, 1, 1, OUT_IN", "5, 1541, 16, OUT_IN"})
    void rowNormsAndMergedWeightsMatchDoublePrecision(int out, int in, int r, WeightLayout layout) {
        Case c = Case.of(out, in, r, layout, out * 31L + in);
        float s = 0.75f;
        double[][] v = c.adapted(s);
        float[] norms = LoraFold.rowNorms(c.base(), c.a(), c.b(), s);
        float[] rowScale = new float[out];
        for (int o = 0; o < out; o++) {
            double n = norm(v[o]);
            assertEquals(n, norms[o], 1e-5 * n, "norm of row " + o);
            rowScale[o] = 0.5f + o % 3;
        }
        float[] merged = LoraFold.merged(c.base(), c.a(), c.b(), s, rowScale);
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                double expected = v[o][j] * rowScale[o];
                float got = merged[layout == WeightLayout.OUT_IN ? o * in + j : j * out + o];
                assertEquals(expected, got, 1e-5 * (1 + Math.abs(expected)), "merged (" + o + ", " + j + ")");
            }
        }
    }

    /** A bf16 base merges into bf16: each element is the adapted value rounded once (within one bf16 ulp, 2^-8 relative). */
    @Test
    void aBf16BaseMergesIntoBf16() {
        int out = 9, in = 17, r = 2;
        Case f = Case.of(out, in, r, WeightLayout.OUT_IN, 5);
        MemorySegment seg = Arena.ofAuto().allocate(2L * out * in, 2);
        var le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        double[][] w = new double[out][in];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                short bits = SegmentStorage.floatToBf16((float) f.w()[o][j]);
                seg.setAtIndex(le, o * in + j, bits);
                w[o][j] = SegmentStorage.bf16ToFloat(bits);
            }
        }
        Linear base = new Linear(new Tensor(Shape.of(out, in), new SegmentStorage(seg, DType.BF16)), null, WeightLayout.OUT_IN);
        Case c = new Case(base, f.a(), f.b(), w);
        LoraLinear layer = new LoraLinear("x", base);
        Linear merged = layer.mergedLayer(new LoraWeights(c.a(), c.b(), null, null, 0.5f, 0));
        assertEquals(DType.BF16, merged.weight().dtype());
        double[][] v = c.adapted(0.5);
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < in; j++) {
                double got = merged.weight().get(o * in + j);
                assertEquals(v[o][j], got, Math.abs(v[o][j]) * 0x1p-8 + 1e-30, "bf16 merged (" + o + ", " + j + ")");
            }
        }
    }

    /**
     * DoRA with dropout (training): W x + b + (m/n − 1) · W x_d + (m/n) · s·B A x_d, as PEFT. With
     * in = out = r and A = B = I, a plain LoRA layer on the same path draws the same mask and
     * reveals x_d = y − (W x + b); the DoRA output is then checked against the formula in double.
     */
    @Test
    void doraWithDropoutKeepsTheBasePathUndropped() {
        int n = 6;
        Case c = Case.of(n, n, n, WeightLayout.OUT_IN, 11);
        float[] eye = new float[n * n];
        for (int i = 0; i < n; i++) eye[i * n + i] = 1;
        float[] biasV = Approx.uniform(3, n, -1, 1);
        Linear base = new Linear(c.base().weight(), Tensor.of(biasV, n), WeightLayout.OUT_IN);
        float[] m = Approx.uniform(4, n, 0.5f, 2f);
        LoraLinear lora = new LoraLinear("p", base), dora = new LoraLinear("p", base);
        lora.add("a", new LoraWeights(Tensor.of(eye.clone(), n, n).requiresGrad(true), Tensor.of(eye.clone(), n, n).requiresGrad(true), null, null, 1f, 0.5f));
        dora.add("a", new LoraWeights(Tensor.of(eye.clone(), n, n).requiresGrad(true), Tensor.of(eye.clone(), n, n).requiresGrad(true),
                Tensor.of(m, n).requiresGrad(true), null, 1f, 0.5f));
        lora.setActive("a");
        dora.setActive("a");
        float[] x = Approx.uniform(8, 3 * n, -1, 1);
        float[] yl = lora.forward(Tensor.of(x, 3, n)).data(), yd = dora.forward(Tensor.of(x, 3, n)).data();
        Tape.clear();
        double[][] wPlusI = c.adapted(0); // W; the norm is over W + I
        int dropped = 0;
        for (int t = 0; t < 3; t++) {
            double[] xd = new double[n];
            for (int o = 0; o < n; o++) {
                double wx = biasV[o];
                for (int j = 0; j < n; j++) wx += c.w()[o][j] * x[t * n + j];
                xd[o] = yl[t * n + o] - wx; // LoRA with A = B = I, s = 1: y = W x + b + x_d
                if (Math.abs(xd[o]) < 1e-6) dropped++;
            }
            for (int o = 0; o < n; o++) {
                double[] row = wPlusI[o].clone();
                row[o] += 1;
                double scale = m[o] / norm(row), wx = biasV[o], wxd = 0;
                for (int j = 0; j < n; j++) { wx += c.w()[o][j] * x[t * n + j]; wxd += c.w()[o][j] * xd[j]; }
                double expected = wx + (scale - 1) * wxd + scale * xd[o];
                assertEquals(expected, yd[t * n + o], 1e-4, "row " + t + ", output " + o);
            }
        }
        assertTrue(dropped > 0 && dropped < 3 * n, "dropout zeroed some inputs and kept others (" + dropped + " of " + 3 * n + ")");
        try (var g = Tape.noGrad()) {
            float[] eval = lora.forward(Tensor.of(x, 3, n)).data();
            for (int i = 0; i < 3 * n; i++) {
                int t = i / n, o = i % n;
                double wx = biasV[o];
                for (int j = 0; j < n; j++) wx += c.w()[o][j] * x[t * n + j];
                assertEquals(wx + x[t * n + o], eval[i], 1e-5, "no dropout outside training, element " + i);
            }
        }
    }
}
