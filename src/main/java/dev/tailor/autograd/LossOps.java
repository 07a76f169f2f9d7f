package dev.tailor.autograd;

import dev.tailor.kernels.CrossEntropy;
import dev.tailor.tensor.Tensor;

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
        int[] targets = targets(labels, B, T, V, shift); // (B*T), -1 where not scored
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
    private static int[] targets(int[] labels, int B, int T, int V, boolean shift) {
        int[] targets = new int[B * T];
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < T; t++) {
                int src = shift ? t + 1 : t;
                if (src >= T) { targets[b * T + t] = -1; continue; }
                int label = labels[b * T + src];
                if (label == IGNORE_INDEX) { targets[b * T + t] = -1; continue; }
                if (label < 0 || label >= V) {
                    throw new IllegalArgumentException("crossEntropy: label " + label + " at row " + b + ", position " + src
                            + " is neither -100 nor in [0, " + V + ")");
                }
                targets[b * T + t] = label;
            }
        }
        return targets;
    }
}
