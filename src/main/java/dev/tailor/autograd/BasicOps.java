package dev.tailor.autograd;

import dev.tailor.kernels.Elementwise;
import dev.tailor.kernels.Layouts;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

import java.util.Arrays;

/**
 * Arithmetic, reductions and layout ops on float32 tensors. Each returns a new tensor and, when an
 * input is trainable, records the rule that adds into that input's gradient.
 */
public final class BasicOps {

    private BasicOps() {}

    /** a + b, where b's shape equals a's or is a suffix of it (b is broadcast over a's leading dims). */
    public static Tensor add(Tensor a, Tensor b) {
        int n = a.size(), bn = broadcastSize("add", a, b);
        float[] out = Workspace.floats(n); // shape of a
        if (n > 0) Elementwise.add(out, a.data(), b.data(), n, bn);
        Tensor y = Tensor.of(out, a.shape().dims());
        if (Tape.needsGrad(a, b)) {
            Tape.record("add", y, () -> {
                float[] g = y.grad();
                if (a.requiresGrad()) Elementwise.axpy(a.gradBuffer(), g, 1f, n);
                if (b.requiresGrad()) Elementwise.sumRows(b.gradBuffer(), g, n, bn);
            });
        }
        return y;
    }

    /** a * b elementwise, with the broadcast rule of {@link #add}. */
    public static Tensor mul(Tensor a, Tensor b) {
        int n = a.size(), bn = broadcastSize("mul", a, b);
        float[] out = Workspace.floats(n);
        if (n > 0) Elementwise.mul(out, a.data(), b.data(), n, bn);
        Tensor y = Tensor.of(out, a.shape().dims());
        if (Tape.needsGrad(a, b)) {
            Tape.record("mul", y, () -> Elementwise.mulBackward(a.requiresGrad() ? a.gradBuffer() : null,
                    b.requiresGrad() ? b.gradBuffer() : null, y.grad(), a.data(), b.data(), n, bn));
        }
        return y;
    }

    /** s * a */
    public static Tensor scale(Tensor a, float s) {
        int n = a.size();
        float[] out = Workspace.floats(n);
        Elementwise.scale(out, a.data(), s, n);
        Tensor y = Tensor.of(out, a.shape().dims());
        if (Tape.needsGrad(a)) Tape.record("scale", y, () -> Elementwise.axpy(a.gradBuffer(), y.grad(), s, n));
        return y;
    }

    /** The sum of all elements, as a scalar tensor (shape []). Accumulated in double. */
    public static Tensor sum(Tensor a) {
        int n = a.size();
        Tensor y = Tensor.scalar((float) Elementwise.sum(a.data(), n));
        if (Tape.needsGrad(a)) Tape.record("sum", y, () -> Elementwise.addConstant(a.gradBuffer(), y.grad()[0], n));
        return y;
    }

    /** The mean of all elements, as a scalar tensor; NaN for an empty tensor, as torch. */
    public static Tensor mean(Tensor a) {
        int n = a.size();
        Tensor y = Tensor.scalar((float) (Elementwise.sum(a.data(), n) / n));
        if (Tape.needsGrad(a)) Tape.record("mean", y, () -> Elementwise.addConstant(a.gradBuffer(), y.grad()[0] / n, n));
        return y;
    }

    /**
     * The same elements with another shape; shares a's storage (no copy). One dim may be -1 and is
     * then inferred. The gradient flows back unchanged.
     */
    public static Tensor reshape(Tensor a, int... dims) {
        Shape s = Shape.of(inferDims(a.shape(), dims));
        Tensor y = new Tensor(s, a.storage());
        if (Tape.needsGrad(a)) Tape.record("reshape", y, () -> Elementwise.axpy(a.gradBuffer(), y.grad(), 1f, a.size()));
        return y;
    }

    /** A copy of a with its last two dims swapped. // (..., M, N) -> (..., N, M) */
    public static Tensor transposeLast2(Tensor a) {
        Shape s = a.shape().transposeLast2();
        int M = a.dim(-2), N = a.dim(-1), batches = M * N == 0 ? 0 : a.size() / (M * N);
        float[] out = Workspace.floats(a.size());
        Layouts.transposeLast2(out, a.data(), batches, M, N, false);
        Tensor y = new Tensor(s, new FloatStorage(out));
        if (Tape.needsGrad(a)) {
            Tape.record("transposeLast2", y, () -> Layouts.transposeLast2(a.gradBuffer(), y.grad(), batches, N, M, true));
        }
        return y;
    }

    /** a[..., from:to]: narrows the last dim. */
    public static Tensor sliceLast(Tensor a, int from, int to) {
        int cols = a.shape().cols(), rows = a.rank() == 0 ? 1 : a.shape().rows(), w = to - from;
        checkRange("sliceLast", a, a.rank() - 1, from, to);
        float[] src = a.data(), out = Workspace.floats(rows * w); // (rows, w)
        for (int r = 0; r < rows; r++) System.arraycopy(src, r * cols + from, out, r * w, w);
        Tensor y = new Tensor(a.shape().with(-1, w), new FloatStorage(out));
        if (Tape.needsGrad(a)) {
            Tape.record("sliceLast", y, () -> {
                float[] g = y.grad(), da = a.gradBuffer();
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < w; j++) da[r * cols + from + j] += g[r * w + j];
                }
            });
        }
        return y;
    }

    /** a[:, from:to, ...]: narrows dim 1 of a (B, T, ...) tensor. */
    public static Tensor sliceSeq(Tensor a, int from, int to) {
        if (a.rank() < 2) throw new IllegalArgumentException("sliceSeq needs a (B, T, ...) tensor, got shape " + a.shape());
        checkRange("sliceSeq", a, 1, from, to);
        int B = a.dim(0), T = a.dim(1), inner = T == 0 || B == 0 ? 0 : a.size() / (B * T), w = to - from;
        float[] src = a.data(), out = Workspace.floats(B * w * inner); // (B, w, ...)
        for (int b = 0; b < B; b++) System.arraycopy(src, (b * T + from) * inner, out, b * w * inner, w * inner);
        Tensor y = new Tensor(a.shape().with(1, w), new FloatStorage(out));
        if (Tape.needsGrad(a)) {
            Tape.record("sliceSeq", y, () -> {
                float[] g = y.grad(), da = a.gradBuffer();
                for (int b = 0; b < B; b++) {
                    int dOff = (b * T + from) * inner, gOff = b * w * inner;
                    for (int i = 0; i < w * inner; i++) da[dOff + i] += g[gOff + i];
                }
            });
        }
        return y;
    }

    /**
     * Concatenates along dim 1: a (B, T1, ...) or a shared block (1, T1, ...) / (T1, ...) that is
     * repeated for every batch row, then b (B, T2, ...). A shared block's gradient is the sum over
     * the batch. // -> (B, T1 + T2, ...)
     */
    public static Tensor concatSeq(Tensor a, Tensor b) {
        if (b.rank() < 2) throw new IllegalArgumentException("concatSeq needs b as (B, T, ...), got shape " + b.shape());
        int B = b.dim(0), T2 = b.dim(1);
        boolean shared = a.rank() == b.rank() - 1 || a.rank() == b.rank() && a.dim(0) == 1 && B != 1;
        int[] rest = Arrays.copyOfRange(b.shape().dims(), 2, b.rank());
        int[] aRest = Arrays.copyOfRange(a.shape().dims(), a.rank() == b.rank() ? 2 : 1, a.rank());
        boolean batchOk = a.rank() == b.rank() - 1 || a.rank() == b.rank() && (a.dim(0) == B || a.dim(0) == 1);
        if (!batchOk || !Arrays.equals(rest, aRest)) {
            throw new IllegalArgumentException("concatSeq: a must be (B, T1, ...), (1, T1, ...) or (T1, ...) with the trailing dims of b "
                    + b.shape() + ", got a " + a.shape());
        }
        int T1 = a.dim(a.rank() == b.rank() ? 1 : 0), inner = 1;
        for (int d : rest) inner *= d;
        int aBlock = T1 * inner, bBlock = T2 * inner, row = aBlock + bBlock;
        float[] ad = a.data(), bd = b.data(), out = Workspace.floats(B * row); // (B, T1 + T2, ...)
        for (int i = 0; i < B; i++) {
            System.arraycopy(ad, shared ? 0 : i * aBlock, out, i * row, aBlock);
            System.arraycopy(bd, i * bBlock, out, i * row + aBlock, bBlock);
        }
        Tensor y = new Tensor(b.shape().with(1, T1 + T2), new FloatStorage(out));
        if (Tape.needsGrad(a, b)) {
            Tape.record("concatSeq", y, () -> {
                float[] g = y.grad();
                for (int i = 0; i < B; i++) {
                    if (a.requiresGrad()) addRun(a.gradBuffer(), shared ? 0 : i * aBlock, g, i * row, aBlock);
                    if (b.requiresGrad()) addRun(b.gradBuffer(), i * bBlock, g, i * row + aBlock, bBlock);
                }
            });
        }
        return y;
    }

    /** dst[dOff .. dOff+n) += src[sOff .. sOff+n) */
    private static void addRun(float[] dst, int dOff, float[] src, int sOff, int n) {
        for (int i = 0; i < n; i++) dst[dOff + i] += src[sOff + i];
    }

    /** The length of b if its shape equals a's or is a suffix of it; otherwise throws naming both shapes. */
    static int broadcastSize(String op, Tensor a, Tensor b) {
        int[] ad = a.shape().dims(), bd = b.shape().dims();
        boolean suffix = bd.length <= ad.length
                && Arrays.equals(bd, Arrays.copyOfRange(ad, ad.length - bd.length, ad.length));
        if (!suffix) {
            throw new IllegalArgumentException(op + ": the second operand's shape must equal the first's " + a.shape()
                    + " or a suffix of it, got " + b.shape());
        }
        if (b.size() == 0 && a.size() != 0) throw new IllegalArgumentException(op + ": empty operand " + b.shape());
        return b.size();
    }

    private static int[] inferDims(Shape from, int[] dims) {
        int[] d = dims.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1 && unknown < 0) unknown = i;
            else if (d[i] < 0) throw new IllegalArgumentException("reshape " + from + " to " + Arrays.toString(dims) + ": at most one dim may be -1, others >= 0");
            else known *= d[i];
        }
        if (unknown >= 0 && known != 0 && from.numel() % known == 0) d[unknown] = (int) (from.numel() / known);
        long n = 1;
        for (int x : d) n *= x;
        if (n != from.numel() || unknown >= 0 && d[unknown] < 0) {
            throw new IllegalArgumentException("cannot reshape " + from + " (" + from.numel() + " elements) to " + Arrays.toString(dims));
        }
        return d;
    }

    private static void checkRange(String op, Tensor a, int axis, int from, int to) {
        if (a.rank() == 0 || from < 0 || to < from || to > a.dim(axis)) {
            throw new IllegalArgumentException(op + ": range [" + from + ", " + to + ") is not within [0, "
                    + (a.rank() == 0 ? 0 : a.dim(axis)) + "] of axis " + axis + " of " + a.shape());
        }
    }
}
