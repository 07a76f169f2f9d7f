package dev.tailor.train;

import dev.tailor.autograd.Tape;
import dev.tailor.data.Batch;
import dev.tailor.models.CausalLM;

import java.util.List;

/**
 * Steps 2-5 of a training step: compute the loss of the step's micro-batches and update the
 * trainable tensors. The trainer's own is backpropagation, the gradient clip and the optimizer; a
 * method may supply another through {@link Trainable#step()} (MeZO: two forward passes, no tape).
 */
@FunctionalInterface
public interface StepFunction {

    /**
     * @param loss     the step's mean loss over its counted tokens
     * @param gradNorm the gradient norm to log (MeZO: |projected gradient|)
     * @param tokens   real tokens the step read
     * @param updated  false when a non-finite loss or gradient skipped the update
     */
    record Outcome(double loss, double gradNorm, long tokens, boolean updated) {}

    /** Runs step {@code step} (0-based) over {@code microBatches} at learning rate {@code lr}. */
    Outcome step(List<Batch> microBatches, double lr, int step);

    /**
     * The mean loss over all counted tokens of {@code batches}, without recording anything: each
     * micro-batch's mean weighted by its share of the counted tokens, as the backprop step weighs them.
     */
    static double meanLoss(CausalLM model, List<Batch> batches) {
        long counted = 0;
        for (Batch b : batches) counted += b.counted();
        double loss = 0;
        try (var g = Tape.noGrad()) {
            for (Batch b : batches) {
                double mean = model.loss(b.inputs(), b.labels(), true).item();
                loss += mean * b.counted() / counted;
            }
        }
        return loss;
    }

    /** Real tokens in {@code batches}. */
    static long tokens(List<Batch> batches) {
        long n = 0;
        for (Batch b : batches) n += b.tokens();
        return n;
    }
}
