package dev.tailor.autograd;

import dev.tailor.kernels.CrossEntropy;
import dev.tailor.kernels.LinearCrossEntropy;
import dev.tailor.kernels.LinearCrossEntropy.Blocks;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/** Losses. */
public final class LossOps {

    /** The label value that marks a position as not counted, as Hugging Face and torch. */
    public static final int IGNORE_INDEX = -100;

    private LossOps() {}

    /**
     * Causal-LM cross-entropy with Hugging Face semantics: fused log-softmax and negative
     * log-likelihood, mean over the counted tokens. With {@code shift}, position t of a row is
     * scored against labels[t + 1] of the same row (the last position of each row is not scored);
     * without it, against labels[t]. Labels equal to -100 are not counted.
     *
     * <p>When no token is counted the result is NaN (0 / 0), as torch's mean reduction gives, and
     * the backward still runs but adds nothing to the logits gradient (torch's gradient is zero there
     * too), so a batch without targets does not stop a training loop.
     *
     * @param logits (B, T, V) float32
     * @param labels (B * T) token ids in [0, V) or -100
     * @return a scalar tensor (shape [])
     * @throws IllegalArgumentException naming the row, position and value of a scored label that is
     *     neither -100 nor in [0, V)
     */
    public static Tensor crossEntropy(Tensor logits, int[] labels, boolean shift) {
        if (logits.rank() != 3) throw new IllegalArgumentException("crossEntropy needs logits (B, T, V), got " + logits.shape());
        int B = logits.dim(0), T = logits.dim(1), V = logits.dim(2), rows = B * T;
        if (labels.length != rows) {
            throw new IllegalArgumentException("crossEntropy: logits " + logits.shape() + " need " + rows + " labels (B*T), got " + labels.length);
        }
        int[] targets = targets("crossEntropy", labels, B, T, V, shift); // (B*T), -1 where not scored
        int count = 0;
        for (int t : targets) if (t >= 0) count++;
        float[] rowLoss = new float[rows], lse = new float[rows]; // lse saved for backward
        float[] x = logits.data();
        CrossEntropy.forward(rowLoss, lse, x, targets, rows, V);
        double total = 0;
        for (float l : rowLoss) total += l;
        Tensor loss = Tensor.scalar((float) (total / count)); // NaN when count == 0, as torch
        if (Tape.needsGrad(logits)) {
            int n = count;
            Tape.record("crossEntropy", loss, () -> {
                if (n > 0) CrossEntropy.backward(logits.gradBuffer(), x, lse, targets, loss.grad()[0] / n, rows, V);
            });
        }
        return loss;
    }

    /**
     * {@code crossEntropy(linear(h, w), labels, shift)} without the (B, T, V) logits or their
     * gradient: the output head and the loss fused ({@link LinearCrossEntropy}), over the scored
     * rows only (an ignored or shifted-out position costs nothing), a (rows, vocab) slice of logits
     * at a time. Same semantics, errors and NaN rule as {@link #crossEntropy}.
     *
     * <p>When h needs a gradient it is formed during the forward, scaled by 1 / count, and kept
     * (count, C); the backward multiplies it by the loss's upstream gradient and adds it into h's
     * rows. A trainable w (full fine-tuning, a trainable tied embedding) gets its gradient in the
     * backward only, which recomputes the logits slice by slice: one more GEMM than materialised
     * logits would cost, none for a frozen head.
     *
     * @param h (B, T, C) float32: the final normalised hidden states
     * @param w (V, C) the head's weight as nn.Linear stores it, in any storage (F32, BF16, F16, NF4)
     * @param labels (B * T) token ids in [0, V) or -100
     * @return a scalar tensor (shape [])
     */
    public static Tensor linearCrossEntropy(Tensor h, Tensor w, int[] labels, boolean shift) {
        return linearCrossEntropy(h, w, labels, shift, null);
    }

    /** As {@link #linearCrossEntropy(Tensor, Tensor, int[], boolean)} with a given tiling (null: by the memory budget). */
    public static Tensor linearCrossEntropy(Tensor h, Tensor w, int[] labels, boolean shift, Blocks blocks) {
        if (h.rank() != 3) throw new IllegalArgumentException("linearCrossEntropy needs hidden states (B, T, C), got " + h.shape());
        if (w.rank() != 2 || w.dim(1) != h.dim(2)) {
            throw new IllegalArgumentException("linearCrossEntropy: head weight must be (V, " + h.dim(2) + ") for hidden states " + h.shape() + ", got " + w.shape());
        }
        int B = h.dim(0), T = h.dim(1), C = h.dim(2), V = w.dim(0), rows = B * T;
        if (labels.length != rows) {
            throw new IllegalArgumentException("linearCrossEntropy: hidden states " + h.shape() + " need " + rows + " labels (B*T), got " + labels.length);
        }
        int[] targets = targets("linearCrossEntropy", labels, B, T, V, shift); // (B*T), -1 where not scored
        int n = 0;
        for (int t : targets) if (t >= 0) n++;
        int[] at = new int[n], scored = new int[n];                       // (n) row of h, its target
        float[] hs = gatherScored(h.data(), targets, at, scored, C);      // (n, C)
        boolean dx = Tape.needsGrad(h), dw = Tape.needsGrad(w);
        float[] rowLoss = Workspace.floats(n), lse = Workspace.floats(n);               // (n), (n) saved for backward
        float[] dh = dx && n > 0 ? Workspace.floats(n * C) : null;               // (n, C) d(loss)/dh for an upstream gradient of 1
        Blocks tiles = blocks != null ? blocks : Blocks.of(n, V);
        if (n > 0) LinearCrossEntropy.forward(rowLoss, dh, lse, hs, scored, w.storage(), 1f / n, n, C, V, tiles);
        double total = 0;
        for (float l : rowLoss) total += l;
        Tensor loss = Tensor.scalar((float) (total / n)); // NaN when n == 0, as torch
        if (dx || dw) {
            int count = n;
            float[] hKept = dw ? hs : null; // (n, C): the weight gradient recomputes the logits from it
            Tape.record("linearCrossEntropy", loss, () -> {
                if (count == 0) return;
                float g = loss.grad()[0];
                if (dh != null) scatterAdd(h.gradBuffer(), dh, g, at, C);
                if (hKept != null) LinearCrossEntropy.weightGrad(w.gradBuffer(), hKept, lse, scored, w.storage(), g / count, count, C, V, tiles);
            });
        }
        return loss;
    }

    /** hs (n, C) = the rows of h whose target is >= 0, in order; at[i] = that row, scored[i] = its target. */
    private static float[] gatherScored(float[] h, int[] targets, int[] at, int[] scored, int C) {
        float[] hs = Workspace.floats(at.length * C);
        for (int r = 0, i = 0; r < targets.length; r++) {
            if (targets[r] < 0) continue;
            at[i] = r;
            scored[i] = targets[r];
            System.arraycopy(h, r * C, hs, i * C, C);
            i++;
        }
        return hs;
    }

    /** dx[at[i]] += g * d[i] for every scored row: the backward of the gather. */
    private static void scatterAdd(float[] dx, float[] d, float g, int[] at, int C) {
        for (int i = 0; i < at.length; i++) {
            int o = at[i] * C, s = i * C;
            for (int c = 0; c < C; c++) dx[o + c] = Math.fma(g, d[s + c], dx[o + c]);
        }
    }

    /** The number of positions that {@link #crossEntropy} averages over: scored labels that are not -100. */
    public static int countedTokens(int[] labels, int B, int T, boolean shift) {
        if (labels.length != B * T) throw new IllegalArgumentException("countedTokens: expected " + B * T + " labels (B*T), got " + labels.length);
        int count = 0;
        for (int b = 0; b < B; b++) {
            for (int t = shift ? 1 : 0; t < T; t++) if (labels[b * T + t] != IGNORE_INDEX) count++;
        }
        return count;
    }

    /** The label each logits row is scored against (-1 when not scored), after the shift. */
    private static int[] targets(String op, int[] labels, int B, int T, int V, boolean shift) {
        int[] targets = new int[B * T];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int src = shift ? t + 1 : t;
                if (src >= T) { targets[b * T + t] = -1; continue; }
                int label = labels[b * T + src];
                if (label == IGNORE_INDEX) { targets[b * T + t] = -1; continue; }
                if (label < 0 || label >= V) {
                    throw new IllegalArgumentException(op + ": label " + label + " at row " + b + ", position " + src
                            + " is neither -100 nor in [0, " + V + ")");
                }
                targets[b * T + t] = label;
            }
        }
        return targets;
    }
}
