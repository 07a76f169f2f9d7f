package dev.tailor.train;

import dev.tailor.autograd.OpProfile;
import dev.tailor.autograd.Tape;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Times optimizer steps of a {@link Trainable} on random tokens, each step as the {@link Trainer}
 * runs one: forward and mean cross-entropy ({@link CausalLM#loss}: the head fused with the loss),
 * backward, global gradient norm and clipping to 1, AdamW update, gradients zeroed. One untimed warm-up step comes first (it also allocates the optimizer
 * state and the gradient buffers of the parameters).
 */
public final class StepBenchmark {

    /** Seconds of each timed step, and the loss of the last one (finite, or the run is broken). */
    public record Result(double[] stepSeconds, double lastLoss) {
        public double medianSeconds() {
            double[] s = stepSeconds.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    private StepBenchmark() {}

    public static Result run(Trainable target, int batch, int seq, int steps, long seed) {
        return run(target, batch, seq, steps, seed, false);
    }

    /** As {@link #run(Trainable, int, int, int, long)}; with {@code profile}, the timed steps are charged op by op to {@link OpProfile}. */
    public static Result run(Trainable target, int batch, int seq, int steps, long seed, boolean profile) {
        if (batch < 1 || seq < 2 || steps < 1) throw new IllegalArgumentException("need batch >= 1, seq >= 2, steps >= 1; got " + batch + ", " + seq + ", " + steps);
        CausalLM model = target.model();
        int vocab = model.config().vocabSize();
        List<Param> params = Trainer.params(target);
        Optimizer opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] seconds = new double[steps];
        double loss = Double.NaN;
        for (int s = -1; s < steps; s++) {
            int[] ids = new int[batch * seq]; // (B*T) random tokens; the labels are the same ids, shifted
            for (int i = 0; i < ids.length; i++) ids[i] = rnd.nextInt(vocab);
            if (s == 0 && profile) OpProfile.start();
            OpProfile.mark();
            long t0 = System.nanoTime();
            loss = step(model, params, opt, Inputs.of(ids, batch, seq));
            if (s >= 0) seconds[s] = (System.nanoTime() - t0) / 1e9;
        }
        OpProfile.stop();
        if (!Double.isFinite(loss)) throw new IllegalStateException("the benchmark's last step had loss " + loss);
        return new Result(seconds, loss);
    }

    private static double step(CausalLM model, List<Param> params, Optimizer opt, Inputs in) {
        double loss;
        try (Workspace w = Workspace.open()) {                               // activations reused step to step, as the Trainer does
            Tensor mean = model.loss(in, in.ids(), true);                   // the head fused with the loss, as the Trainer runs it
            loss = mean.item();
            OpProfile.mark();
            Tape.backward(mean);
        } finally {
            Tape.clear();
        }
        OpProfile.mark();
        double norm = Gradients.globalNorm(params);
        Gradients.clip(params, norm, 1.0);
        OpProfile.charge("step", "norm and clip");
        opt.step(1e-4);
        OpProfile.charge("step", "optimizer");
        Gradients.zero(params);
        OpProfile.charge("step", "zero grads");
        return loss;
    }
}
