package dev.tailor.autograd;

import dev.tailor.kernels.AttentionKernels;
import dev.tailor.kernels.AttentionKernels.Geometry;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * Causal self-attention as one autograd op (see {@link AttentionKernels} for the masking rules
 * and the memory plan). The forward saves only the log-sum-exp of each query row (B·H·T floats);
 * the backward recomputes the probabilities from it rather than keeping B·H·T·S of them.
 */
public final class AttentionOps {

    private AttentionOps() {}

    /**
     * @param heads         H query heads
     * @param kvHeads       KVH key/value heads; H must be a multiple (grouped-query attention)
     * @param headDim       D
     * @param scale         multiplies q·k (usually 1/sqrt(D))
     * @param causal        query i sees key j only if j <= queryOffset + i
     * @param slidingWindow 0 = none; else query i sees key j only if j > queryOffset + i - window (Mistral)
     * @param queryOffset   absolute position of query 0 relative to key 0 (cached keys during decoding)
     */
    public record AttentionSpec(int heads, int kvHeads, int headDim, float scale, boolean causal,
                                int slidingWindow, int queryOffset) {
        public AttentionSpec {
            if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("attention: heads (" + heads + ") must be a positive multiple of kvHeads (" + kvHeads + ")");
            }
            if (headDim <= 0) throw new IllegalArgumentException("attention: headDim must be positive, got " + headDim);
            if (!Float.isFinite(scale)) throw new IllegalArgumentException("attention: scale must be finite, got " + scale);
            if (slidingWindow < 0) throw new IllegalArgumentException("attention: slidingWindow must be >= 0 (0 = none), got " + slidingWindow);
            if (queryOffset < 0) throw new IllegalArgumentException("attention: queryOffset must be >= 0, got " + queryOffset);
        }

        /** Causal attention with scale 1/sqrt(headDim), no window, queries starting at key 0. */
        public static AttentionSpec causal(int heads, int kvHeads, int headDim) {
            return new AttentionSpec(heads, kvHeads, headDim, (float) (1 / Math.sqrt(headDim)), true, 0, 0);
        }

        /** The same spec with queries starting at absolute position {@code offset}. */
        public AttentionSpec withQueryOffset(int offset) {
            return new AttentionSpec(heads, kvHeads, headDim, scale, causal, slidingWindow, offset);
        }
    }

    /**
     * softmax(scale · q kᵀ + mask) v over the prefix keys then the keys.
     *
     * @param q          (B, T, H*D)
     * @param k          (B, S, KVH*D)
     * @param v          (B, S, KVH*D)
     * @param prefixK    (P, KVH*D) keys every query sees, shared over the batch, or null
     * @param prefixV    (P, KVH*D) their values, or null (null exactly when prefixK is)
     * @param keyPadding (B*S) true = padded key, never seen; or null
     * @return (B, T, H*D); a query that sees no key at all gets zeros
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, Tensor prefixK, Tensor prefixV,
                                   boolean[] keyPadding, AttentionSpec spec) {
        Geometry g = geometry(q, k, v, prefixK, prefixV, keyPadding, spec);
        boolean[] pad = keyPadding == null ? null : keyPadding.clone(); // the backward must see the forward's mask
        float[] pk = prefixK == null ? null : prefixK.data(), pv = prefixV == null ? null : prefixV.data();
        float[] out = Workspace.floats(q.size());                    // (B, T, H*D)
        float[] lse = Workspace.floats(g.batch() * g.heads() * g.queries()); // (B, H, T)
        AttentionKernels.attention(out, lse, q.data(), k.data(), v.data(), pk, pv, pad, g);
        Tensor o = Tensor.of(out, g.batch(), g.queries(), g.heads() * g.headDim());
        if (Tape.needsGrad(q, k, v, prefixK, prefixV)) {
            Tape.record("attention", o, () -> AttentionKernels.attentionBackward(
                    gradOf(q), gradOf(k), gradOf(v), gradOf(prefixK), gradOf(prefixV),
                    lse, o.grad(), q.data(), k.data(), v.data(), pk, pv, pad, g));
        }
        return o;
    }

    /** The gradient buffer of a trainable tensor (allocated here, before the threads start), else null. */
    private static float[] gradOf(Tensor t) {
        return t != null && t.requiresGrad() ? t.gradBuffer() : null;
    }

    /** Checks every shape against the spec and names the first argument that does not fit. */
    static Geometry geometry(Tensor q, Tensor k, Tensor v, Tensor prefixK, Tensor prefixV,
                             boolean[] keyPadding, AttentionSpec spec) {
        int H = spec.heads(), KVH = spec.kvHeads(), D = spec.headDim();
        expectRank3(q, "q", H * D, "H*D = " + H + "*" + D);
        expectRank3(k, "k", KVH * D, "KVH*D = " + KVH + "*" + D);
        int B = q.dim(0), T = q.dim(1), S = k.dim(1);
        if (k.dim(0) != B) throw new IllegalArgumentException("attention: k has batch " + k.dim(0) + ", q has batch " + B);
        if (!v.shape().equals(k.shape())) throw new IllegalArgumentException("attention: v " + v.shape() + " must have the shape of k " + k.shape());
        if ((prefixK == null) != (prefixV == null)) {
            throw new IllegalArgumentException("attention: prefixK and prefixV must both be given or both be null, got "
                    + (prefixK == null ? "null" : prefixK.shape()) + " and " + (prefixV == null ? "null" : prefixV.shape()));
        }
        int P = 0;
        if (prefixK != null) {
            if (prefixK.rank() != 2 || prefixK.dim(1) != KVH * D) {
                throw new IllegalArgumentException("attention: expected prefixK of shape (P, " + KVH * D + "), got " + prefixK.shape());
            }
            if (!prefixV.shape().equals(prefixK.shape())) {
                throw new IllegalArgumentException("attention: prefixV " + prefixV.shape() + " must have the shape of prefixK " + prefixK.shape());
            }
            P = prefixK.dim(0);
        }
        if (keyPadding != null && keyPadding.length != B * S) {
            throw new IllegalArgumentException("attention: expected keyPadding of length B*S = " + B + "*" + S + " = " + B * S
                    + ", got " + keyPadding.length);
        }
        return new Geometry(B, T, S, P, H, KVH, D, spec.scale(), spec.causal(), spec.slidingWindow(), spec.queryOffset());
    }

    private static void expectRank3(Tensor t, String name, int cols, String what) {
        if (t.rank() != 3 || t.dim(2) != cols) {
            throw new IllegalArgumentException("attention: expected " + name + " of shape (B, len, " + what + "), got " + t.shape());
        }
    }
}
