package dev.tailor.autograd;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.kernels.Gemm;
import dev.tailor.tensor.Storage;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * A Linear layer with a LoRA update as one op: {@code y = x·op(W) + bias + scale·(xa·Aᵀ)·Bᵀ}.
 * Written as separate ops the update costs three (rows, out) temporaries in the forward (B's
 * output, its scaled copy, the sum), each kept alive by the tape until backward, and as many
 * gradient buffers and passes in the backward. Here the update is accumulated into the base
 * output by the GEMM itself, and the only saved activation besides y is the (rows, r) product
 * {@code scale·xa·Aᵀ}: with r much smaller than out, the layer keeps about a quarter of the memory.
 */
public final class LoraOps {

    private LoraOps() {}

    /**
     * @param x      (..., in) the base layer's input
     * @param w      the frozen or trainable base weight, (out, in) or (in, out) as {@code layout} says, any storage
     * @param bias   (out) or null
     * @param xa     (..., in) the adapter's input: x itself, or x after dropout
     * @param a      (r, in) lora_A, float32
     * @param b      (out, r) lora_B, float32
     * @param scale  alpha / r (or alpha / sqrt(r) with rsLoRA)
     * @return (..., out)
     */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias, WeightLayout layout, Tensor xa, Tensor a, Tensor b, float scale) {
        int in = x.dim(-1), rows = x.shape().rows(), r = a.dim(0);
        if (!xa.shape().equals(x.shape())) throw new IllegalArgumentException("lora linear: adapter input " + xa.shape() + " must have the shape of x " + x.shape());
        if (a.rank() != 2 || a.dim(1) != in) throw new IllegalArgumentException("lora linear: A must be (r, " + in + "), got " + a.shape());
        Tensor y;
        try (var g = Tape.noGrad()) { y = MatOps.linear(x, w, bias, layout); } // (..., out); its backward is part of this op's
        int out = y.dim(-1);
        if (b.rank() != 2 || b.dim(0) != out || b.dim(1) != r) throw new IllegalArgumentException("lora linear: B must be (" + out + ", " + r + "), got " + b.shape());
        float[] xd = x.data(), xad = xa.data(), yd = y.data();
        Storage ws = w.storage(), as = a.storage(), bs = b.storage();
        boolean outIn = layout == WeightLayout.OUT_IN;
        float[] u = Workspace.floats(rows * r);       // (rows, r) scale · xa · Aᵀ
        Gemm.xwT(u, false, xad, as, rows, in, r);
        for (int i = 0; i < u.length; i++) u[i] *= scale;
        Gemm.xwT(yd, true, u, bs, rows, r, out);      // y += u · Bᵀ
        if (Tape.needsGrad(x, w, bias, xa, a, b)) {
            Tape.record("lora_linear", y, () -> {
                float[] dy = y.grad();                // (rows, out)
                if (x.requiresGrad()) {               // the base layer, as MatOps.linear's backward
                    if (outIn) Gemm.dyw(x.gradBuffer(), true, dy, ws, rows, in, out);
                    else Gemm.dywT(x.gradBuffer(), true, dy, ws, rows, in, out);
                }
                if (w.requiresGrad()) {
                    if (outIn) Gemm.dytx(w.gradBuffer(), true, dy, xd, rows, in, out);
                    else Gemm.xTdy(w.gradBuffer(), true, xd, dy, rows, in, out);
                }
                if (bias != null && bias.requiresGrad()) sumRows(bias.gradBuffer(), dy, rows, out);
                float[] du = new float[rows * r];     // (rows, r) dy · B, then · scale
                Gemm.dyw(du, false, dy, bs, rows, r, out);
                if (b.requiresGrad()) addTransposed(b.gradBuffer(), uTdy(u, dy, rows, r, out), r, out);
                for (int i = 0; i < du.length; i++) du[i] *= scale;
                if (a.requiresGrad()) Gemm.dytx(a.gradBuffer(), true, du, xad, rows, in, r);
                if (xa.requiresGrad()) Gemm.dyw(xa.gradBuffer(), true, du, as, rows, in, r);
            });
        }
        return y;
    }

    /**
     * uᵀ·dy (r, out) = the transpose of lora_B's gradient dyᵀ·u (out, r). Formed this way round, the
     * GEMM packs dy as it lies (a copy) instead of transposing the whole (rows, out) gradient.
     */
    private static float[] uTdy(float[] u, float[] dy, int rows, int r, int out) {
        float[] t = new float[r * out]; // (r, out)
        Gemm.xTdy(t, false, u, dy, rows, r, out);
        return t;
    }

    /** g[o, j] += t[j, o] for g (out, r) and t (r, out). */
    private static void addTransposed(float[] g, float[] t, int r, int out) {
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < r; j++) g[o * r + j] += t[j * out + o];
        }
    }

    /** db[j] += sum_i dy[i, j] */
    private static void sumRows(float[] db, float[] dy, int m, int n) {
        for (int i = 0; i < m; i++) {
            int row = i * n;
            for (int j = 0; j < n; j++) db[j] += dy[row + j];
        }
    }
}
