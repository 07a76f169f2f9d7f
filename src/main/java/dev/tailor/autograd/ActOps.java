package dev.tailor.autograd;

import dev.tailor.kernels.Activations;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/** Activations, softmax and dropout on float32 tensors, each with its backward rule. */
public final class ActOps {

    private ActOps() {}

    /** x * sigmoid(x) */
    public static Tensor silu(Tensor x) {
        int n = x.size();
        Tensor y = like(x);
        Activations.silu(y.data(), x.data(), n);
        if (Tape.needsGrad(x)) Tape.record("silu", y, () -> Activations.siluBackward(x.gradBuffer(), y.grad(), x.data(), n));
        return y;
    }

    /** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): transformers' "gelu_new" / "gelu_pytorch_tanh". */
    public static Tensor gelu(Tensor x) {
        int n = x.size();
        Tensor y = like(x);
        Activations.gelu(y.data(), x.data(), n);
        if (Tape.needsGrad(x)) Tape.record("gelu", y, () -> Activations.geluBackward(x.gradBuffer(), y.grad(), x.data(), n));
        return y;
    }

    /** silu(gate) * up, fused (the Llama MLP's act_fn(gate_proj(x)) * up_proj(x)). Shapes must match. */
    public static Tensor swiglu(Tensor gate, Tensor up) {
        if (!gate.shape().equals(up.shape())) {
            throw new IllegalArgumentException("swiglu: gate " + gate.shape() + " and up " + up.shape() + " must have the same shape");
        }
        int n = gate.size();
        Tensor y = like(gate);
        Activations.swiglu(y.data(), gate.data(), up.data(), n);
        if (Tape.needsGrad(gate, up)) {
            Tape.record("swiglu", y, () -> Activations.swigluBackward(gate.requiresGrad() ? gate.gradBuffer() : null,
                    up.requiresGrad() ? up.gradBuffer() : null, y.grad(), gate.data(), up.data(), n));
        }
        return y;
    }

    /**
     * tanh(x), elementwise (prefix tuning's reparameterisation MLP; small tensors, so a plain loop).
     * The backward reads the saved output: dx += dy · (1 - y²).
     */
    public static Tensor tanh(Tensor x) {
        int n = x.size();
        Tensor y = like(x);
        float[] yd = y.data(), xd = x.data();
        for (int i = 0; i < n; i++) yd[i] = (float) Math.tanh(xd[i]);
        if (Tape.needsGrad(x)) {
            Tape.record("tanh", y, () -> {
                float[] dx = x.gradBuffer(), dy = y.grad();
                for (int i = 0; i < n; i++) dx[i] += dy[i] * (1f - yd[i] * yd[i]);
            });
        }
        return y;
    }

    /** max(x, 0); the gradient at exactly 0 is 0, as torch. */
    public static Tensor relu(Tensor x) {
        int n = x.size();
        Tensor y = like(x);
        Activations.relu(y.data(), x.data(), n);
        if (Tape.needsGrad(x)) Tape.record("relu", y, () -> Activations.reluBackward(x.gradBuffer(), y.grad(), x.data(), n));
        return y;
    }

    /** Softmax over the last dim. The backward reads the saved output. // (..., N) */
    public static Tensor softmax(Tensor x) {
        if (x.rank() == 0) throw new IllegalArgumentException("softmax needs at least one dim, got a scalar");
        int cols = x.shape().cols(), rows = x.shape().rows();
        Tensor y = like(x);
        Activations.softmax(y.data(), x.data(), rows, cols);
        if (Tape.needsGrad(x)) {
            Tape.record("softmax", y, () -> Activations.softmaxBackward(x.gradBuffer(), y.grad(), y.data(), rows, cols));
        }
        return y;
    }

    /**
     * Inverted dropout: each element is zeroed with probability p and the kept ones are scaled by
     * 1 / (1 - p). The mask is a pure function of (seed, element index), so the same seed gives
     * the same mask and the backward regenerates it instead of storing it. p == 0 returns x itself
     * (identity, nothing recorded); p == 1 gives zeros.
     */
    public static Tensor dropout(Tensor x, float p, long seed) {
        if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout probability must be in [0, 1], got " + p);
        if (p == 0f) return x;
        int n = x.size();
        Tensor y = like(x);
        Activations.dropout(y.data(), x.data(), p, seed, n);
        if (Tape.needsGrad(x)) Tape.record("dropout", y, () -> Activations.dropoutBackward(x.gradBuffer(), y.grad(), p, seed, n));
        return y;
    }

    private static Tensor like(Tensor x) {
        x.data(); // fails early, naming the dtype, if x is not float32
        return Workspace.zeros(x.shape());
    }
}
