package dev.tailor.kernels;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The lookup moves floats (bit-equal to the twin, F32 and BF16 tables alike); the scatter-add sums
 * repeated ids in the same order in both versions up to lane vs scalar adds: 1e-6 relative.
 */
class EmbeddingsTest {

    @ParameterizedTest(name = "V={0} C={1} N={2}")
    @CsvSource({"5, 7, 9", "11, 33, 40", "50, 257, 300", "3, 8, 1"})
    void lookupAndScatterMatchTwins(int V, int C, int N) {
        Random rnd = new Random(71);
        int[] ids = new int[N];
        for (int i = 0; i < N; i++) ids[i] = rnd.nextInt(V); // repeats for N > V
        float[] w = uniform(72, V * C, -1, 1);
        float[] fast = new float[N * C], twin = new float[N * C];
        Embeddings.lookup(fast, new FloatStorage(w), ids, C);
        Embeddings.lookupScalar(twin, new FloatStorage(w), ids, C);
        assertArrayEquals(twin, fast, 0f, "lookup F32");

        MemorySegment seg = MemorySegment.ofArray(new short[V * C]);
        for (int i = 0; i < V * C; i++) seg.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i, SegmentStorage.floatToBf16(w[i]));
        SegmentStorage bf16 = new SegmentStorage(seg, DType.BF16);
        Embeddings.lookup(fast, bf16, ids, C);
        Embeddings.lookupScalar(twin, bf16, ids, C);
        assertArrayEquals(twin, fast, 0f, "lookup BF16");

        float[] g = uniform(73, N * C, -1, 1), dw1 = uniform(74, V * C, -1, 1), dw2 = dw1.clone();
        Embeddings.scatterAdd(dw1, g, ids, C);
        Embeddings.scatterAddScalar(dw2, g, ids, C);
        assertClose(dw2, dw1, 1e-6, 1e-6, "scatterAdd");
    }
}
