package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rotary position embedding in the rotate-half layout of Hugging Face models: within each head of
 * width D the first half x1 and the second half x2 of the channels form D/2 planes, and plane i of
 * the token at position p is rotated by the table's angle (p, i):
 * <pre>
 *   out1 = x1 * cos - x2 * sin
 *   out2 = x2 * cos + x1 * sin
 * </pre>
 * With {@code transpose} the kernel applies the transposed map (sin negated). Because a table may
 * carry an attention factor a (yarn) inside cos and sin, the forward map is a·R, and its transpose
 * a·Rᵀ is exactly what the backward pass needs: dx = (a·R)ᵀ dy.
 *
 * <p>Both kernels ADD into {@code out}, so the backward can accumulate straight into a gradient.
 */
public final class RopeKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private RopeKernels() {}

    /**
     * out += rope(x) (or its transpose) for {@code rows} tokens of {@code heads} heads of width
     * {@code headDim}. Rows are split over the thread pool once.
     *
     * @param out       (rows, heads * headDim), accumulated into
     * @param x         (rows, heads * headDim)
     * @param cos       (maxPositions, headDim / 2)
     * @param sin       (maxPositions, headDim / 2)
     * @param positions (rows) position of each row, already checked to lie inside the table
     */
    public static void rope(float[] out, float[] x, float[] cos, float[] sin, int[] positions,
                            int rows, int heads, int headDim, boolean transpose) {
        Parallel.forChunks(rows, Math.max(1, 4096 / Math.max(1, heads * headDim)),
                (chunk, from, to) -> ropeRows(out, x, cos, sin, positions, from, to, heads, headDim, transpose));
    }

    private static void ropeRows(float[] out, float[] x, float[] cos, float[] sin, int[] positions,
                                 int from, int to, int heads, int headDim, boolean transpose) {
        int half = headDim / 2;
        int width = heads * headDim;
        int upper = F.loopBound(half);
        for (int r = from; r < to; r++) {
            int t = positions[r] * half; // row of the (maxPositions, half) tables
            for (int h = 0; h < heads; h++) {
                int o1 = r * width + h * headDim, o2 = o1 + half;
                int i = 0;
                for (; i < upper; i += F.length()) {
                    FloatVector c = FloatVector.fromArray(F, cos, t + i);
                    FloatVector s = FloatVector.fromArray(F, sin, t + i);
                    if (transpose) s = s.neg();
                    FloatVector x1 = FloatVector.fromArray(F, x, o1 + i);
                    FloatVector x2 = FloatVector.fromArray(F, x, o2 + i);
                    FloatVector y1 = FloatVector.fromArray(F, out, o1 + i);
                    FloatVector y2 = FloatVector.fromArray(F, out, o2 + i);
                    // y1 += x1*c - x2*s ; y2 += x2*c + x1*s
                    x1.fma(c, x2.neg().fma(s, y1)).intoArray(out, o1 + i);
                    x2.fma(c, x1.fma(s, y2)).intoArray(out, o2 + i);
                }
                for (; i < half; i++) {
                    float c = cos[t + i], s = transpose ? -sin[t + i] : sin[t + i];
                    float x1 = x[o1 + i], x2 = x[o2 + i];
                    out[o1 + i] += x1 * c - x2 * s;
                    out[o2 + i] += x2 * c + x1 * s;
                }
            }
        }
    }

    /** Scalar twin of {@link #rope}: one plane at a time, single-threaded. */
    public static void ropeScalar(float[] out, float[] x, float[] cos, float[] sin, int[] positions,
                                  int rows, int heads, int headDim, boolean transpose) {
        int half = headDim / 2;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int base = (r * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    float c = cos[positions[r] * half + i];
                    float s = sin[positions[r] * half + i];
                    if (transpose) s = -s;
                    float x1 = x[base + i], x2 = x[base + half + i];
                    out[base + i] += x1 * c - x2 * s;
                    out[base + half + i] += x2 * c + x1 * s;
                }
            }
        }
    }
}
