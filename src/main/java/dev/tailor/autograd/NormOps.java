package dev.tailor.autograd;

import dev.tailor.kernels.Norms;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * RMSNorm and LayerNorm over the last dim. The weight and bias may be frozen checkpoint tensors in
 * any storage: they are widened once per call into a small float[] of length C.
 */
public final class NormOps {

    private NormOps() {}

    /** x * rsqrt(mean(x^2) + eps) * w, in float32 as transformers' LlamaRMSNorm. // x (..., C), w (C) */
    public static Tensor rmsNorm(Tensor x, Tensor w, float eps) {
        int C = checkParam("rmsNorm", "weight", x, w), rows = x.shape().rows();
        float[] wf = widen(w); // (C)
        float[] rstd = Workspace.floats(rows); // saved for backward
        Tensor y = Workspace.zeros(x.shape());
        Norms.rmsNorm(y.data(), rstd, x.data(), wf, rows, C, eps);
        if (Tape.needsGrad(x, w)) {
            Tape.record("rmsNorm", y, () -> Norms.rmsNormBackward(x.requiresGrad() ? x.gradBuffer() : null,
                    w.requiresGrad() ? w.gradBuffer() : null, y.grad(), x.data(), rstd, wf, rows, C));
        }
        return y;
    }

    /**
     * (x - mean) / sqrt(var + eps) * w + b with the biased variance, as torch.nn.LayerNorm.
     * b may be null (no bias). // x (..., C), w (C), b (C)
     */
    public static Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) {
        int C = checkParam("layerNorm", "weight", x, w), rows = x.shape().rows();
        if (b != null) checkParam("layerNorm", "bias", x, b);
        float[] wf = widen(w), bf = b == null ? null : widen(b); // (C)
        float[] mean = Workspace.floats(rows), rstd = Workspace.floats(rows); // saved for backward
        Tensor y = Workspace.zeros(x.shape());
        Norms.layerNorm(y.data(), mean, rstd, x.data(), wf, bf, rows, C, eps);
        if (Tape.needsGrad(x, w, b)) {
            Tape.record("layerNorm", y, () -> Norms.layerNormBackward(x.requiresGrad() ? x.gradBuffer() : null,
                    w.requiresGrad() ? w.gradBuffer() : null, b != null && b.requiresGrad() ? b.gradBuffer() : null,
                    y.grad(), x.data(), mean, rstd, wf, rows, C));
        }
        return y;
    }

    private static int checkParam(String op, String what, Tensor x, Tensor p) {
        if (x.rank() == 0) throw new IllegalArgumentException(op + " needs x as (..., C), got a scalar");
        int C = x.shape().cols();
        if (p.rank() != 1 || p.dim(0) != C) {
            throw new IllegalArgumentException(op + ": " + what + " must be (" + C + ") to match x " + x.shape() + ", got " + p.shape());
        }
        return C;
    }

    /** The parameter's elements as float32: its own array when it is F32, else a widened copy. */
    private static float[] widen(Tensor p) {
        if (p.isFloat32()) return p.data();
        float[] f = new float[p.size()];
        p.storage().widen(0, f, 0, f.length);
        return f;
    }
}
