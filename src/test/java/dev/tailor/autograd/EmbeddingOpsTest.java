package dev.tailor.autograd;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/** Lookup by hand, errors, and the scatter-add gradient by central differences (linear: tolerance 1e-4). */
class EmbeddingOpsTest {

    @AfterEach
    void clearTape() { Tape.clear(); }

    @Test
    void picksRowsWithLeadingDims() {
        Tensor w = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2); // (V=3, C=2)
        Tensor y = EmbeddingOps.embedding(w, new int[] {2, 0, 2, 1}, 2, 2);
        assertArrayEquals(new int[] {2, 2, 2}, y.shape().dims());
        assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21, 10, 11}, y.data());
        assertArrayEquals(new int[] {1, 2}, EmbeddingOps.embedding(w, new int[] {1}).shape().dims());
    }

    @Test
    void readsBf16TableInPlace() {
        MemorySegment seg = MemorySegment.ofArray(new short[4]);
        float[] v = {1.5f, -2.25f, 0.125f, 8f}; // exact in bfloat16
        for (int i = 0; i < 4; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, SegmentStorage.floatToBf16(v[i]));
        Tensor w = new Tensor(Shape.of(2, 2), new SegmentStorage(seg, DType.BF16));
        assertArrayEquals(new float[] {0.125f, 8f, 1.5f, -2.25f}, EmbeddingOps.embedding(w, new int[] {1, 0}, 1, 2).data());
    }

    @Test
    void outOfRangeIdNamesIdPositionAndVocabulary() {
        Tensor w = Tensor.zeros(5, 3);
        var e = assertThrows(IllegalArgumentException.class, () -> EmbeddingOps.embedding(w, new int[] {0, 4, 5, 1}, 4));
        assertTrue(e.getMessage().contains("id 5") && e.getMessage().contains("position 2") && e.getMessage().contains("5)"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EmbeddingOps.embedding(w, new int[] {-1}));
        assertThrows(IllegalArgumentException.class, () -> EmbeddingOps.embedding(w, new int[] {0, 1, 2}, 2, 2));
    }

    @Test
    void gradientScatterAddsRepeatedIds() {
        Tensor w = Tensor.of(uniform(1, 11 * 33, -1, 1), 11, 33).requiresGrad(true);
        int[] ids = {3, 7, 3, 0, 10, 3, 7};
        GradCheck.check("embedding", 1e-2, 1e-4, () -> EmbeddingOps.embedding(w, ids, 7), w);
        Tensor y = EmbeddingOps.embedding(w, ids, 7);
        Tape.backward(BasicOps.sum(y));
        assertEquals(3f, w.grad()[3 * 33 + 5], "id 3 appears three times");
        assertEquals(0f, w.grad()[1 * 33], "id 1 is never used");
    }

    @Test
    void frozenTableRecordsNothing() {
        Tensor w = Tensor.of(uniform(2, 6, -1, 1), 3, 2);
        Tensor y = EmbeddingOps.embedding(w, new int[] {1, 2});
        assertFalse(y.requiresGrad());
        assertEquals(0, Tape.size());
    }
}
