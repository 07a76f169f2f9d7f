package dev.tailor.demo;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.data.DataFormat;
import dev.tailor.data.DatasetBuilder;
import dev.tailor.data.TokenRow;
import dev.tailor.data.TokenizerEncoder;
import dev.tailor.eval.Compliance;
import dev.tailor.eval.InstructionCase;
import dev.tailor.eval.InstructionTask;
import dev.tailor.eval.LossEvaluator;
import dev.tailor.io.AtomicFile;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.ParamGroup;
import dev.tailor.peft.Targets;
import dev.tailor.tensor.Tensor;
import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;
import dev.tailor.train.Methods;
import dev.tailor.train.Schedule;
import dev.tailor.train.TrainConfig;
import dev.tailor.train.TrainData;
import dev.tailor.train.Trainable;
import dev.tailor.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The demo end to end: measure the base model on the eval rows (loss on the completion tokens,
 * greedy answers scored by {@link Compliance}), attach a LoRA adapter, train it with the
 * {@link Trainer} on the instruction rows, measure the same way again, and write the report next
 * to the trainer's adapter, metrics and loss curve.
 */
public final class DemoRun {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param steps            optimizer steps
     * @param batchSize        rows per step
     * @param lr               peak learning rate (cosine decay after a short warmup)
     * @param rank             LoRA rank r on every linear layer of the blocks
     * @param alpha            lora_alpha (the update is scaled by alpha / r)
     * @param seed             adapter initialisation and data order
     * @param maxNewTokens     longest answer generated
     * @param generationBatch  prompts answered per generation call
     * @param evalEvery        eval loss during training every N steps (0 = only at the end)
     */
    public record Settings(int steps, int batchSize, double lr, int rank, double alpha, long seed,
                           int maxNewTokens, int generationBatch, int evalEvery) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            if (maxNewTokens < 1) throw new IllegalArgumentException("max new tokens must be >= 1, got " + maxNewTokens);
        }
    }

    /** The files besides the trainer's own that the demo writes into its output folder. */
    public static final String REPORT_TXT = "demo-report.txt", REPORT_JSON = "demo-report.json", ANSWERS = "answers.jsonl";

    /** Every file a demo run leaves in its output folder, besides checkpoint folders. */
    static final Set<String> OWN_FILES = Set.of(REPORT_TXT, REPORT_JSON, ANSWERS, "metrics.jsonl", "loss.png",
            "adapter_config.json", "adapter_model.safetensors");
    private static final Pattern CHECKPOINT = Pattern.compile("(\\.tmp-)?checkpoint-.*");

    private DemoRun() {}

    /** Runs the demo on the base model in {@code modelDir}, writing into {@code output}; progress goes to {@code err}. */
    public static DemoReport run(Path modelDir, DemoData data, Path output, Settings s, PrintStream err, boolean terminal) {
        CausalLM model = ModelLoader.load(modelDir, false);
        try (Tokenizer tokenizer = Tokenizer.load(modelDir)) {
            ChatTemplate template = ChatTemplate.load(modelDir);
            int[] eos = model.config().eosTokenIds();
            TokenizerEncoder encoder = new TokenizerEncoder(tokenizer, template, eos);
            var opts = new DatasetBuilder.Options(DataFormat.CHAT, model.config().maxPositionEmbeddings(), DatasetBuilder.Overlong.DROP,
                    false, false, model.config().vocabSize());
            List<TokenRow> trainRows = DatasetBuilder.build(data.train(), encoder, opts).rows();
            List<TokenRow> evalRows = DatasetBuilder.build(data.eval(), encoder, opts).rows();
            List<InstructionCase> cases = InstructionCase.read(data.eval());
            InstructionProbe probe = new InstructionProbe(model, tokenizer, template, eos);

            // 1. The base model, measured before any adapter exists.
            err.printf(Locale.ROOT, "measuring the base model on %d eval rows...%n", cases.size());
            Measured before = measure(model, evalRows, probe, cases, s);
            err.println("base model: " + before.summary());

            long baseParams = count(model);
            // 2. LoRA on every linear layer, trained by the same Trainer as `tailor train --method lora`.
            Trainable target = Methods.adapter(model, LoraConfig.of(s.rank(), s.alpha(), new Targets.AllLinear()), s.seed());
            err.println(Trainer.summary(target));
            Trainer trainer = new Trainer(target, TrainData.unpacked(trainRows, evalRows, encoder.padId()), trainConfig(s), output, err, terminal);
            long t0 = System.nanoTime();
            Trainer.Result r = trainer.run(null);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;

            // 3. The fine-tuned model: the same rows, the same decoding.
            err.println("measuring the fine-tuned model...");
            Measured after = measure(model, evalRows, probe, cases, s);
            err.println("fine-tuned: " + after.summary());

            DemoReport report = new DemoReport(
                    new DemoReport.Setup(modelDir.toString(), baseParams, trainable(target), trainRows.size(), cases.size(),
                            s.rank(), s.alpha(), s.steps(), s.batchSize(), s.lr(), s.maxNewTokens()),
                    before.measure, after.measure,
                    new DemoReport.Training(trainSeconds, first(r.losses()), last(r.losses()), r.tokensPerSecond(), output.toString()),
                    samples(cases, before.answers, after.answers));
            write(output, report, cases, before.answers, after.answers);
            return report;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * Makes {@code output} ready for a run: created when missing; when it holds an earlier demo's
     * files (and nothing else), that run's checkpoints are deleted so the new run's stand alone.
     * A folder holding anything else is refused rather than touched.
     */
    public static void prepareOutput(Path output) throws IOException {
        Files.createDirectories(output);
        List<Path> stale = new ArrayList<>(), foreign = new ArrayList<>();
        try (Stream<Path> entries = Files.list(output)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (CHECKPOINT.matcher(name).matches() && Files.isDirectory(p)) stale.add(p);
                else if (!OWN_FILES.contains(name)) foreign.add(p);
            }
        }
        if (!foreign.isEmpty()) {
            throw new IllegalArgumentException("--output " + output + " holds files the demo did not write (" + foreign.stream()
                    .map(p -> p.getFileName().toString()).sorted().limit(5).toList() + "); choose an empty or new folder");
        }
        for (Path dir : stale) {
            try (Stream<Path> tree = Files.walk(dir)) {
                for (Path q : tree.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
            }
        }
    }

    private record Measured(DemoReport.Measure measure, List<String> answers, double lossSeconds) {
        String summary() {
            return String.format(Locale.ROOT, "%s complying, eval loss %.4f (loss in %.1f s, answers in %.1f s)", measure.compliance().all(),
                    measure.evalLoss(), lossSeconds, measure.generationSeconds());
        }
    }

    private static Measured measure(CausalLM model, List<TokenRow> evalRows, InstructionProbe probe, List<InstructionCase> cases, Settings s) {
        long t0 = System.nanoTime();
        LossEvaluator.Result loss = LossEvaluator.evaluate(model, evalRows);
        double lossSeconds = (System.nanoTime() - t0) / 1e9;
        InstructionProbe.Result answers = probe.run(cases, s.maxNewTokens(), s.generationBatch());
        return new Measured(new DemoReport.Measure(loss.loss(), loss.tokens(), answers.report(), answers.seconds()), answers.answers(), lossSeconds);
    }

    /** AdamW, cosine decay after a warmup of 5% of the steps, gradient clip 1, one checkpoint at the end. */
    static TrainConfig trainConfig(Settings s) {
        int logEvery = Math.max(1, s.steps() / 20);
        return new TrainConfig(TrainConfig.Optim.ADAMW, s.lr(), 0.0, 0.9, 0.999, 1e-8, 0.0, Schedule.Shape.COSINE, -1, 0.05,
                s.batchSize(), 1, 1, s.steps(), 1.0, logEvery, s.evalEvery(), 0, 1, s.seed(), true, 5);
    }

    /** The first held-out case of each task: one sample per instruction kind, on words the adapter never trained on. */
    static List<DemoReport.Sample> samples(List<InstructionCase> cases, List<String> before, List<String> after) {
        List<DemoReport.Sample> out = new ArrayList<>();
        Set<InstructionTask> shown = EnumSet.noneOf(InstructionTask.class);
        for (int i = 0; i < cases.size(); i++) {
            InstructionCase c = cases.get(i);
            if (!c.heldOut() || !shown.add(c.task())) continue;
            out.add(new DemoReport.Sample(c.prompt().getLast().get("content"), c.expected(), before.get(i), Compliance.complies(c, before.get(i)),
                    after.get(i), Compliance.complies(c, after.get(i))));
        }
        return out;
    }

    /** demo-report.txt, demo-report.json and answers.jsonl (one line per eval row: both answers and their verdicts). */
    private static void write(Path output, DemoReport report, List<InstructionCase> cases, List<String> before, List<String> after) throws IOException {
        AtomicFile.writeString(output.resolve(REPORT_TXT), report.format());
        AtomicFile.writeString(output.resolve(REPORT_JSON), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()) + "\n");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < cases.size(); i++) {
            InstructionCase c = cases.get(i);
            ObjectNode o = JSON.createObjectNode().put("task", c.task().id()).put("held_out", c.heldOut())
                    .put("prompt", c.prompt().getLast().get("content")).put("expected", c.expected())
                    .put("base", before.get(i)).put("base_complies", Compliance.complies(c, before.get(i)))
                    .put("fine_tuned", after.get(i)).put("fine_tuned_complies", Compliance.complies(c, after.get(i)));
            lines.append(o).append('\n');
        }
        AtomicFile.writeString(output.resolve(ANSWERS), lines.toString());
    }

    private static long count(CausalLM model) {
        long n = 0;
        for (Tensor t : model.parameters().values()) n += t.shape().numel();
        return n;
    }

    private static long trainable(Trainable target) {
        long n = 0;
        for (ParamGroup g : target.groups()) for (Tensor t : g.params()) n += t.shape().numel();
        return n;
    }

    private static double first(List<Double> losses) { return losses.isEmpty() ? Double.NaN : losses.getFirst(); }

    private static double last(List<Double> losses) { return losses.isEmpty() ? Double.NaN : losses.getLast(); }
}
