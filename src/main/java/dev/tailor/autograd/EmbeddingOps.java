package dev.tailor.autograd;

import dev.tailor.kernels.Embeddings;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

import java.util.Arrays;

/** Token embedding lookup from a table in any storage; trainable tables get a scatter-add gradient. */
public final class EmbeddingOps {

    private EmbeddingOps() {}

    /**
     * Rows of {@code w} picked by {@code ids}, shaped (leadingDims..., C); with no leading dims the
     * result is (ids.length, C). // w (V, C)
     *
     * @throws IllegalArgumentException naming the id, its position and the vocabulary size when an
     *     id is outside [0, V), or when the leading dims do not multiply to ids.length
     */
    public static Tensor embedding(Tensor w, int[] ids, int... leadingDims) {
        if (w.rank() != 2) throw new IllegalArgumentException("embedding table must be (V, C), got " + w.shape());
        int V = w.dim(0), C = w.dim(1);
        long lead = 1;
        for (int d : leadingDims) lead *= d;
        if (leadingDims.length > 0 && lead != ids.length) {
            throw new IllegalArgumentException("embedding: leading dims " + Arrays.toString(leadingDims) + " hold " + lead
                    + " positions, but " + ids.length + " ids were given");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= V) {
                throw new IllegalArgumentException("embedding: id " + ids[i] + " at position " + i
                        + " is outside the vocabulary [0, " + V + ")");
            }
        }
        int[] dims = leadingDims.length == 0 ? new int[] {ids.length, C} : append(leadingDims, C);
        Tensor y = Workspace.zeros(Shape.of(dims)); // (leadingDims..., C)
        Embeddings.lookup(y.data(), w.storage(), ids, C);
        if (Tape.needsGrad(w)) {
            int[] saved = ids.clone(); // the caller may reuse its id buffer before backward
            Tape.record("embedding", y, () -> Embeddings.scatterAdd(w.gradBuffer(), y.grad(), saved, C));
        }
        return y;
    }

    private static int[] append(int[] dims, int last) {
        int[] d = Arrays.copyOf(dims, dims.length + 1);
        d[dims.length] = last;
        return d;
    }
}
