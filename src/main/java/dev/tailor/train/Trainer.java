package dev.tailor.train;

import dev.tailor.peft.ParamGroup;
import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.Tape;
import dev.tailor.data.Batch;
import dev.tailor.data.TokenRow;
import dev.tailor.eval.LossEvaluator;
import dev.tailor.models.CausalLM;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a {@link Trainable} on {@link TrainData}: one readable loop in {@link #run}. A step
 * accumulates {@code gradAccum} micro-batches; each micro-batch's mean loss is weighted by its
 * share of the step's counted tokens, so the step optimises the mean over all its counted tokens
 * however it is split (Hugging Face's num_items_in_batch rule) and the reported loss is that mean.
 */
public final class Trainer {

    /** What a run did. {@code losses} has one entry per step run by this call (NaN for a skipped step). */
    public record Result(int firstStep, int lastStep, List<Double> losses, List<Double> evalLosses, Path lastCheckpoint, double tokensPerSecond) {}

    private record StepStats(double loss, long tokens) {}

    private final Trainable target;
    private final CausalLM model;
    private final TrainData data;
    private final TrainConfig cfg;
    private final Path output;
    private final List<Param> params;
    private final Optimizer optimizer;
    private final StepFunction stepFunction;
    private final DataOrder order;
    private final Schedule schedule;
    private final PrintStream err;
    private final boolean terminal;

    public Trainer(Trainable target, TrainData data, TrainConfig cfg, Path output, PrintStream err, boolean terminal) {
        this.target = target;
        this.model = target.model();
        this.data = data;
        this.cfg = cfg;
        this.output = output;
        this.err = err;
        this.terminal = terminal;
        this.params = params(target);
        this.optimizer = target.step() instanceof Optimizer own ? own : switch (cfg.optimizer()) {
            case ADAMW -> new AdamW(params, cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay());
            case SGD -> new Sgd(params, cfg.momentum(), cfg.weightDecay());
        };
        this.stepFunction = target.step() != null ? target.step() : this::backpropStep;
        this.order = new DataOrder(data.sequences().size(), cfg.batchSize() * cfg.gradAccum(), cfg.seed(), cfg.shuffle());
        int total = cfg.maxSteps() > 0 ? cfg.maxSteps() : cfg.epochs() * order.stepsPerEpoch();
        this.schedule = new Schedule(cfg.schedule(), cfg.lr(), cfg.warmupFor(total), total);
    }

    public int totalSteps() { return schedule.totalSteps(); }

    /** Runs from step 0, or from the checkpoint {@code resumeFrom} when it is not null, to the last step. */
    public Result run(Path resumeFrom) {
        CheckpointStore store = new CheckpointStore(output);
        int cleaned = store.cleanIncomplete();
        if (cleaned > 0) err.println("removed " + cleaned + " incomplete checkpoint folder(s) in " + output);
        int start = 0, badInARow = 0;
        if (resumeFrom != null) {
            TrainState s = CheckpointStore.load(resumeFrom, params, optimizer);
            s.requireSameRun(state(0, 0), resumeFrom.toString());
            start = s.step();
            badInARow = s.badInARow();
            err.println("resumed from " + resumeFrom + " at step " + start + "/" + totalSteps());
        }
        Gradients.zero(params);
        Progress progress = new Progress(err, terminal, start, totalSteps());
        List<Double> losses = new ArrayList<>(), evalLosses = new ArrayList<>();
        Path lastCheckpoint = store.latest().orElse(null);
        int lastSaved = -1;
        try (Metrics metrics = new Metrics(output.resolve("metrics.jsonl"), start)) {
            for (int step = start; step < totalSteps(); step++) {
                int done = step + 1;
                // 0. The method's hook: Half Fine-Tuning re-picks its trainable half at round boundaries.
                target.hook().beforeStep(step);
                // 1. The learning rate of this update (the schedule is a function of the step).
                double lr = schedule.lr(step);
                // 2-5. The step's loss and the update: backpropagation, clip and optimizer (backpropStep), or the method's own (MeZO).
                long t0 = System.nanoTime();
                StepFunction.Outcome s = stepFunction.step(microBatches(order.step(step)), lr, step);
                progress.addTokens(s.tokens());
                // A non-finite loss or gradient skipped the update; too many in a row stop the run.
                if (!s.updated()) {
                    badInARow++;
                    losses.add(Double.NaN);
                    metrics.skipped(done, s.loss(), s.gradNorm());
                    progress.note(String.format("warning: step %d skipped: loss %s, gradient norm %s (%d in a row)", done, s.loss(), s.gradNorm(), badInARow));
                    if (badInARow >= cfg.maxBadSteps()) throw stopped(done, badInARow, lastCheckpoint);
                    continue;
                }
                badInARow = 0;
                losses.add(s.loss());
                // 6. Metrics every step; the progress line every loggingSteps steps.
                double seconds = (System.nanoTime() - t0) / 1e9;
                metrics.step(done, s.loss(), lr, s.gradNorm(), s.tokens(), s.tokens() / seconds, (double) done / order.stepsPerEpoch());
                if (done % cfg.loggingSteps() == 0 || done == totalSteps()) progress.show(done, s.loss(), lr);
                // 7. Evaluate the held-out rows every evalSteps steps and at the end.
                boolean last = done == totalSteps();
                if (!data.eval().isEmpty() && (last || cfg.evalSteps() > 0 && done % cfg.evalSteps() == 0)) {
                    LossEvaluator.Result e = LossEvaluator.evaluate(model, data.eval());
                    evalLosses.add(e.loss());
                    metrics.eval(done, e.loss(), e.perplexity());
                    progress.note(String.format("step %d: eval loss %.4f, perplexity %.3f (%,d tokens)", done, e.loss(), e.perplexity(), e.tokens()));
                }
                // 8. Checkpoint every saveSteps steps and at the end, then drop the oldest beyond the limit.
                if (last || cfg.saveSteps() > 0 && done % cfg.saveSteps() == 0) {
                    lastCheckpoint = store.save(state(done, 0), params, optimizer);
                    lastSaved = done;
                    store.prune(cfg.saveTotalLimit());
                    writePlot(metrics);
                }
            }
            // 9. The trained result in the method's layout, next to the metrics and the loss curve.
            if (lastSaved < 0 && lastCheckpoint == null && start < totalSteps()) lastCheckpoint = store.save(state(totalSteps(), 0), params, optimizer);
            target.exporter().save(output);
            writePlot(metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + output + ": " + e.getMessage(), e);
        } finally {
            Workspace.release(); // the steps' arrays, kept for the next step, are not needed after the last
        }
        return new Result(start, totalSteps(), losses, evalLosses, lastCheckpoint, progress.tokensPerSecond());
    }

    /**
     * Steps 2-5 by backpropagation: 2. forward and backward over the micro-batches (gradients add
     * up in the parameters); 3. a non-finite loss or gradient drops the gradients and skips the
     * update; 4. clip the global gradient norm; 5. update the trainable tensors, clear their gradients.
     */
    private StepFunction.Outcome backpropStep(List<Batch> micro, double lr, int step) {
        StepStats s = forwardBackward(micro);
        double norm = Gradients.globalNorm(params);
        if (!Double.isFinite(s.loss()) || !Double.isFinite(norm)) {
            Gradients.zero(params);
            return new StepFunction.Outcome(s.loss(), norm, s.tokens(), false);
        }
        if (cfg.maxGradNorm() > 0) Gradients.clip(params, norm, cfg.maxGradNorm());
        optimizer.step(lr);
        Gradients.zero(params);
        return new StepFunction.Outcome(s.loss(), norm, s.tokens(), true);
    }

    /** The step's sequences as micro-batches of at most batchSize sequences, padded. */
    private List<Batch> microBatches(int[] sequenceIds) {
        List<Batch> micro = new ArrayList<>();
        for (int from = 0; from < sequenceIds.length; from += cfg.batchSize()) {
            List<TokenRow> rows = new ArrayList<>();
            for (int i = from; i < Math.min(sequenceIds.length, from + cfg.batchSize()); i++) rows.addAll(data.sequences().get(sequenceIds[i]));
            micro.add(Batch.of(rows, data.padId()));
        }
        return micro;
    }

    /** Runs every micro-batch forward and backward; returns the step's mean loss over its counted tokens. */
    private StepStats forwardBackward(List<Batch> micro) {
        long stepCounted = 0;
        for (Batch b : micro) stepCounted += b.counted();
        double loss = 0;
        long tokens = 0;
        for (Batch b : micro) {
            double weight = (double) b.counted() / stepCounted;
            // The micro-batch's activations and gradients are lent by a workspace and taken back at
            // the end, for the next micro-batch; the parameters' gradients are their own arrays.
            try (Workspace w = Workspace.open()) {
                Tensor mean = model.loss(b.inputs(), b.labels(), true);             // mean over this batch's counted tokens; no (B, T, V) logits
                loss += mean.item() * weight;
                Tape.backward(BasicOps.scale(mean, (float) weight));
            } finally {
                Tape.clear();
            }
            tokens += b.tokens();
        }
        return new StepStats(loss, tokens);
    }

    private TrainState state(int step, int badInARow) {
        int s = Math.min(step, totalSteps() - 1);
        return new TrainState(step, totalSteps(), order.epochOf(step == totalSteps() ? s : step), step == totalSteps() ? 0 : order.offsetOf(step),
                cfg.seed(), data.sequences().size(), cfg.batchSize(), cfg.gradAccum(), optimizer.steps(), badInARow);
    }

    private TrainingStopped stopped(int step, int bad, Path lastCheckpoint) {
        return new TrainingStopped(bad + " steps in a row (steps " + (step - bad + 1) + "-" + step + ") had a non-finite loss or gradient, so training stopped; "
                + "try a lower --lr or --max-grad-norm. "
                + (lastCheckpoint == null ? "No checkpoint had been written yet." : "The last good checkpoint is " + lastCheckpoint + " (continue with --resume)."));
    }

    private void writePlot(Metrics metrics) throws IOException {
        LossPlot.write(output.resolve("loss.png"), metrics.train, metrics.eval);
    }

    /** The trainable tensors, named by their model key where they are model weights, else "group.index". */
    static List<Param> params(Trainable target) {
        Map<Tensor, String> keys = new IdentityHashMap<>();
        target.model().parameters().forEach((k, t) -> keys.put(t, k));
        List<Param> out = new ArrayList<>();
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (ParamGroup g : target.groups()) {
            for (int i = 0; i < g.params().size(); i++) {
                Tensor t = g.params().get(i);
                if (!seen.add(t)) throw new IllegalArgumentException("a tensor " + t.shape() + " is in more than one parameter group (group '" + g.name() + "')");
                out.add(new Param(keys.getOrDefault(t, g.name() + "." + i), t, g.lrScale(), t.rank() >= 2));
            }
        }
        return out;
    }

    /**
     * The PEFT-style summary: "trainable params: X || all params: Y || trainable%: Z". Counts the
     * tensors trainable now (Half Fine-Tuning: the current round's half).
     */
    public static String summary(Trainable target) {
        Map<Tensor, Boolean> all = new IdentityHashMap<>();
        target.model().parameters().values().forEach(t -> all.put(t, true));
        long trainable = 0, total = 0;
        for (ParamGroup g : target.groups()) for (Tensor t : g.params()) { if (t.requiresGrad()) trainable += t.size(); all.put(t, true); }
        for (Tensor t : all.keySet()) total += t.shape().numel();
        return String.format("trainable params: %,d || all params: %,d || trainable%%: %.4f", trainable, total, 100.0 * trainable / total);
    }
}
