package dev.tailor.autograd;

import dev.tailor.kernels.Gemm;
import dev.tailor.kernels.Gemv;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Storage;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * Differentiable matrix products: Linear layers (nn.Linear and GPT-2 Conv1D weights) and plain
 * matmul, all computed by {@link Gemm}. The weight may be a frozen checkpoint tensor in any
 * storage (F32, BF16, F16): the kernel widens it panel by panel. Backward computes only what is
 * needed: dX when x requires grad, dW only when w is trainable (a frozen weight costs one GEMM,
 * not two), db when the bias is trainable. A product of at most {@link Gemv#MAX_ROWS} rows with
 * nothing to differentiate (a decoding step) goes to {@link Gemv}, which streams the weight once.
 */
public final class MatOps {

    /** How a Linear weight is stored: (out, in) as nn.Linear, or (in, out) as GPT-2 Conv1D. */
    public enum WeightLayout { OUT_IN, IN_OUT }

    private MatOps() {}

    /** y = x . W^T + b with W (out, in): nn.Linear. */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        return linear(x, w, bias, WeightLayout.OUT_IN);
    }

    /**
     * y = x . W^T + b (OUT_IN) or y = x . W + b (IN_OUT). x (..., in) -> y (..., out).
     * w (out, in) or (in, out) in any storage; bias (out) or null.
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias, WeightLayout layout) {
        if (x.rank() < 1) throw new IllegalArgumentException("linear: x must have a feature dim (..., in), got shape " + x.shape());
        if (w.rank() != 2) throw new IllegalArgumentException("linear: weight must be 2-D " + (layout == WeightLayout.OUT_IN ? "(out, in)" : "(in, out)") + ", got shape " + w.shape());
        int in = layout == WeightLayout.OUT_IN ? w.dim(1) : w.dim(0);
        int out = layout == WeightLayout.OUT_IN ? w.dim(0) : w.dim(1);
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException("linear: x has " + x.dim(-1) + " features (shape " + x.shape() + ") but the " + layout
                    + " weight " + w.shape() + " expects " + in);
        }
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != out)) {
            throw new IllegalArgumentException("linear: bias must have shape [" + out + "] to match weight " + w.shape() + ", got " + bias.shape());
        }
        return product("linear", x, w, bias, layout == WeightLayout.OUT_IN, x.shape().with(-1, out));
    }

    /** c = a . b with a (..., M, K) and b (K, N) -> (..., M, N); gradients flow to both. */
    public static Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul: expected a (..., M, K) and b (K, N), got " + a.shape() + " and " + b.shape());
        }
        if (a.dim(-1) != b.dim(0)) {
            throw new IllegalArgumentException("matmul: inner dims differ: a " + a.shape() + " has K = " + a.dim(-1) + ", b " + b.shape() + " has K = " + b.dim(0));
        }
        return product("matmul", a, b, null, false, a.shape().with(-1, b.dim(1)));
    }

    /**
     * y (rows, n) = x (rows, k) . op(w) + bias, with op(w) = w^T when {@code wOutIn} (w (n, k)),
     * else w (w (k, n)). Leading dims of x are flattened into rows: the weight is shared by all.
     */
    private static Tensor product(String op, Tensor x, Tensor w, Tensor bias, boolean wOutIn, Shape outShape) {
        int m = x.shape().rows(), k = x.dim(-1), n = outShape.dim(-1);
        float[] xd = x.data(); // (rows, k)
        Storage ws = w.storage();
        Tensor y = Workspace.zeros(outShape);
        float[] yd = y.data(); // (rows, n)
        if (m <= Gemv.MAX_ROWS && !Tape.needsGrad(x, w, bias)) { // decoding: a few rows, weights streamed once
            if (wOutIn) Gemv.xwT(yd, xd, ws, m, k, n);
            else Gemv.xw(yd, xd, ws, m, k, n);
        } else if (wOutIn) Gemm.xwT(yd, false, xd, ws, m, k, n);
        else Gemm.xw(yd, false, xd, ws, m, k, n);
        if (bias != null) addBias(yd, bias, m, n);
        if (Tape.needsGrad(x, w, bias)) {
            Tape.record(op, y, () -> {
                float[] dy = y.grad(); // (rows, n)
                if (x.requiresGrad()) {
                    if (wOutIn) Gemm.dyw(x.gradBuffer(), true, dy, ws, m, k, n);
                    else Gemm.dywT(x.gradBuffer(), true, dy, ws, m, k, n);
                }
                if (w.requiresGrad()) {
                    if (wOutIn) Gemm.dytx(w.gradBuffer(), true, dy, xd, m, k, n);
                    else Gemm.xTdy(w.gradBuffer(), true, xd, dy, m, k, n);
                }
                if (bias != null && bias.requiresGrad()) sumRows(bias.gradBuffer(), dy, m, n);
            });
        }
        return y;
    }

    /** y[i, :] += bias for every row; a frozen bias may be stored in any dtype. */
    private static void addBias(float[] y, Tensor bias, int m, int n) {
        float[] b = new float[n]; // (n)
        bias.storage().widen(0, b, 0, n);
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int j = 0; j < n; j++) y[row + j] += b[j];
        }
    }

    /** db[j] += sum_i dy[i, j]: backward of "y[i, :] += bias". */
    private static void sumRows(float[] db, float[] dy, int m, int n) {
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int j = 0; j < n; j++) db[j] += dy[row + j];
        }
    }
}
