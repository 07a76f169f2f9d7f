package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * Activation checkpointing: a segment of the forward pass (a transformer block) becomes one tape
 * entry that keeps only its input and output. Its intermediate activations are dropped after the
 * forward; the entry's backward runs the segment's forward again on a scratch tape and
 * back-propagates through that, adding into the input's gradient and the gradients of the
 * parameters the segment uses. Memory per block falls from every intermediate to one (B, T, C)
 * input, for the price of a second forward of each block.
 *
 * <p>The segment must be a pure function of its input and its parameters: the recomputed forward
 * has to reproduce the first one exactly, so anything random inside it (a dropout mask drawn from
 * a counter) would make the gradients those of a different forward.
 */
public final class Recompute {

    /** A piece of the forward pass, {@code x -> y}, reading the parameters it captures. */
    @FunctionalInterface
    public interface Segment { Tensor forward(Tensor x); }

    private Recompute() {}

    /**
     * {@code segment.forward(x)}, recorded as one tape entry named {@code op}. Outside training
     * (no-grad scope) the segment simply runs, its intermediates lent by a workspace scope.
     */
    public static Tensor checkpoint(String op, Tensor x, Segment segment) {
        if (!Tape.enabled()) {
            try (Workspace w = Workspace.open()) {
                return w.keep(segment.forward(x));
            }
        }
        // Recording on a scratch tape (rather than under noGrad) keeps training-mode behaviour and
        // tells whether anything in the segment is trainable; the entries are discarded on return.
        // Each pass runs in a workspace scope: the segment's activations (and, in the backward, their
        // gradients) are lent to it and taken back when it ends, so the next block reuses them.
        Tensor y;
        try (Workspace w = Workspace.open()) {
            y = w.keep(Tape.scratch(() -> segment.forward(x))); // y outlives the scope; the rest is dead
        }
        if (!y.requiresGrad()) return y;
        Tape.record(op, y, () -> {
            try (Workspace w = Workspace.open()) {
                Tape.scratch(() -> {
                    Tensor again = segment.forward(x); // the same values as y, this time with its entries kept
                    Tape.backward(again, y.grad());    // adds into x's gradient and the segment's parameters'
                    return null;
                });
            }
        });
        return y;
    }
}
