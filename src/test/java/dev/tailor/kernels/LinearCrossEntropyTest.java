package dev.tailor.kernels;

import dev.tailor.kernels.LinearCrossEntropy.Blocks;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Storage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static dev.tailor.Approx.assertCloseToMax;
import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;

/**
 * The fused head + cross-entropy against its twin (whole rows of logits, two-pass softmax, plain
 * loops), with row blocks and vocabulary slices that do not divide n and V, so the online
 * log-sum-exp rescales across slices and the last block and slice are ragged. The logits differ
 * by the GEMM's summation order (C terms of magnitude <= 1: a few 1e-7) and the exponential by
 * Lanes.exp's ulp, so lse and the row losses agree to 1e-5 absolute; the gradients are sums over V
 * in a different order (slice by slice, rescaled, versus one pass), compared as 1e-5 of the
 * tensor's largest entry.
 */
class LinearCrossEntropyTest {

    @ParameterizedTest(name = "n={0} C={1} V={2} blocks=({3}, {4}) {5}")
    @CsvSource({
            "1, 5, 7, 1, 7, F32", "13, 9, 37, 5, 8, F32", "29, 33, 257, 6, 64, BF16",
            "40, 17, 1000, 40, 1000, F32", "50, 64, 301, 16, 100, BF16", "7, 24, 2049, 3, 512, F32"})
    void forwardAndWeightGradMatchTwins(int n, int C, int V, int rowBlock, int vocabSlice, String dtype) {
        Random rnd = new Random(91);
        int[] targets = new int[n];
        for (int r = 0; r < n; r++) targets[r] = rnd.nextInt(V);
        targets[0] = V - 1; // the last class, in the last (ragged) slice
        float[] h = uniform(92, n * C, -1, 1);
        float[] wv = uniform(93, V * C, -1, 1);
        Storage w = dtype.equals("F32") ? new FloatStorage(wv) : GemmTest.segment(wv, DType.valueOf(dtype));
        float scale = 1f / n;

        float[] l1 = new float[n], l2 = new float[n], s1 = new float[n], s2 = new float[n];
        float[] d1 = new float[n * C], d2 = new float[n * C];
        LinearCrossEntropy.forward(l1, d1, s1, h, targets, w, scale, n, C, V, new Blocks(rowBlock, vocabSlice));
        LinearCrossEntropy.forwardScalar(l2, d2, s2, h, targets, w, scale, n, C, V);
        assertClose(s2, s1, 1e-5, 1e-6, "lse");
        assertClose(l2, l1, 1e-5, 1e-6, "row loss");
        assertCloseToMax(d2, d1, 1e-5, "dh");

        float[] loss3 = new float[n], lse3 = new float[n];
        LinearCrossEntropy.forward(loss3, null, lse3, h, targets, w, scale, n, C, V, new Blocks(rowBlock, vocabSlice));
        assertClose(l1, loss3, 0, 0, "the loss does not depend on whether dh is formed");

        float[] w1 = uniform(94, V * C, -1, 1), w2 = w1.clone(); // gradients add into what is there
        LinearCrossEntropy.weightGrad(w1, h, s2, targets, w, 0.375f * scale, n, C, V, new Blocks(rowBlock, vocabSlice));
        LinearCrossEntropy.weightGradScalar(w2, h, s2, targets, w, 0.375f * scale, n, C, V);
        assertCloseToMax(w2, w1, 1e-5, "dW");
    }
}
