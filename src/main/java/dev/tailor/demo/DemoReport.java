package dev.tailor.demo;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.eval.Compliance;
import dev.tailor.eval.InstructionTask;

import java.util.List;
import java.util.Locale;

/**
 * What {@code tailor demo} measured, before and after fine-tuning, and how it prints: a table of
 * the eval loss and the share of complying answers (overall, per task, for held-out and seen
 * words), a one-line verdict drawn from those numbers, and a few answers side by side.
 *
 * @param setup    what was trained, on what, with which settings
 * @param before   the base model's measurements
 * @param after    the fine-tuned model's measurements (same rows, same decoding)
 * @param training how the training went
 * @param samples  a few prompts with both answers
 */
public record DemoReport(Setup setup, Measure before, Measure after, Training training, List<Sample> samples) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final int PROMPT_WIDTH = 52, ANSWER_WIDTH = 26;

    public DemoReport {
        samples = List.copyOf(samples);
    }

    /**
     * @param model           the base model's folder
     * @param baseParams      parameters of the base model
     * @param trainableParams parameters of the adapter
     */
    public record Setup(String model, long baseParams, long trainableParams, int trainRows, int evalRows,
                        int rank, double alpha, int steps, int batchSize, double lr, int maxNewTokens) {}

    /**
     * @param evalLoss          mean loss over the completion tokens of the eval rows
     * @param evalTokens        how many completion tokens that mean is over
     * @param compliance        the greedy answers' scores
     * @param generationSeconds time to answer every eval prompt
     */
    public record Measure(double evalLoss, long evalTokens, Compliance.Report compliance, double generationSeconds) {}

    /**
     * @param seconds         wall time of the training run
     * @param firstLoss       the first step's training loss
     * @param lastLoss        the last step's training loss
     * @param tokensPerSecond tokens (padding included) through forward and backward per second
     * @param output          where the adapter, metrics and curve were written
     */
    public record Training(double seconds, double firstLoss, double lastLoss, double tokensPerSecond, String output) {}

    /** One prompt, the answer that complies, what each model said, and whether it complies ({@link Compliance}). */
    public record Sample(String prompt, String expected, String base, boolean baseComplies, String tuned, boolean tunedComplies) {}

    /** The whole printed report. */
    public String format() {
        StringBuilder s = new StringBuilder();
        Setup u = setup;
        s.append(String.format(Locale.ROOT, "LoRA (r %d, alpha %s, all linear layers: %,d trainable of %,d parameters) on %,d instruction rows:%n",
                u.rank, trim(u.alpha), u.trainableParams, u.baseParams, u.trainRows));
        s.append(String.format(Locale.ROOT, "%d steps of %d rows, lr %s; base model %s%n%n", u.steps, u.batchSize, trim(u.lr), u.model));
        s.append(table());
        s.append('\n').append(verdict()).append("\n\n");
        s.append(String.format(Locale.ROOT, "Sample answers (greedy, at most %d new tokens; \"ok\" = complies):%n", u.maxNewTokens));
        s.append(samplesTable());
        s.append(String.format(Locale.ROOT, "%nTraining: %.0f s (%,.0f tokens/s), loss %.4f -> %.4f; answering the %d eval prompts took %.1f s before, %.1f s after.%n",
                training.seconds, training.tokensPerSecond, training.firstLoss, training.lastLoss, u.evalRows,
                before.generationSeconds, after.generationSeconds));
        s.append("Adapter (PEFT layout), metrics.jsonl, loss.png and answers.jsonl in ").append(training.output).append('\n');
        return s.toString();
    }

    /** The before/after table of every measured figure. */
    String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-22s %-18s %-18s %s%n", "", "base model", "fine-tuned", "change"));
        s.append(String.format(Locale.ROOT, "%-22s %-18s %-18s %s%n", "eval loss", fmt(before.evalLoss), fmt(after.evalLoss),
                String.format(Locale.ROOT, "%+.1f%%", 100 * (after.evalLoss / before.evalLoss - 1))));
        Compliance.Report b = before.compliance, a = after.compliance;
        row(s, "complying answers", b.all(), a.all());
        for (InstructionTask t : InstructionTask.values()) {
            if (b.byTask().containsKey(t) && a.byTask().containsKey(t)) row(s, "  " + t.id(), b.byTask().get(t), a.byTask().get(t));
        }
        row(s, "  held-out words", b.heldOut(), a.heldOut());
        row(s, "  seen words", b.seen(), a.seen());
        return s.toString();
    }

    private static void row(StringBuilder s, String label, Compliance.Tally before, Compliance.Tally after) {
        s.append(String.format(Locale.ROOT, "%-22s %-18s %-18s %s%n", label, before, after, points(before, after)));
    }

    /** "+12.5 points": the change in the share of complying answers. */
    static String points(Compliance.Tally before, Compliance.Tally after) {
        return String.format(Locale.ROOT, "%+.1f points", 100 * (after.share() - before.share()));
    }

    /** One sentence that says what the numbers show, improvement or not. */
    public String verdict() {
        Compliance.Tally b = before.compliance.all(), a = after.compliance.all();
        Compliance.Tally bh = before.compliance.heldOut(), ah = after.compliance.heldOut();
        boolean lossDown = after.evalLoss < before.evalLoss, moreComply = a.passed() > b.passed();
        String loss = String.format(Locale.ROOT, "eval loss %s -> %s", fmt(before.evalLoss), fmt(after.evalLoss));
        String comply = String.format(Locale.ROOT, "complying answers %s -> %s (%s)", pct(b), pct(a), points(b, a));
        String heldOut = String.format(Locale.ROOT, "on words never seen in training %s -> %s", pct(bh), pct(ah));
        if (lossDown && moreComply) return "Fine-tuning helped: " + comply + ", " + heldOut + "; " + loss + ".";
        if (lossDown) return "The eval loss fell (" + loss + ") but the answers did not improve (" + comply + "); more steps may help (--steps).";
        if (moreComply) return "More answers comply (" + comply + ") but the eval loss did not fall (" + loss + ").";
        return "No improvement measured: " + loss + ", " + comply + "; try more steps (--steps).";
    }

    /** prompt | base | fine-tuned, one line per sample, answers quoted and cut to fit. */
    String samplesTable() {
        String line = "%-" + PROMPT_WIDTH + "s | %-" + (ANSWER_WIDTH + 3) + "s | %s";
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, line, "prompt", "base model", "fine-tuned")).append('\n');
        for (Sample x : samples) {
            s.append(String.format(Locale.ROOT, line, cut(x.prompt, PROMPT_WIDTH), answer(x.base, x.baseComplies),
                    answer(x.tuned, x.tunedComplies)).stripTrailing()).append('\n');
        }
        return s.toString();
    }

    /** The answer quoted and cut to {@link #ANSWER_WIDTH}, then " ok" when it complies. */
    private static String answer(String text, boolean complies) {
        return "\"" + cut(visible(text), ANSWER_WIDTH - 2) + "\"" + (complies ? " ok" : "");
    }

    /** Newlines and tabs written as escapes, so one answer stays on one line. */
    static String visible(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
    }

    /** {@code s}, or its first characters and "..." when it is longer than {@code width}. */
    static String cut(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    private static String fmt(double loss) { return String.format(Locale.ROOT, "%.4f", loss); }

    private static String pct(Compliance.Tally t) { return String.format(Locale.ROOT, "%.1f%%", 100 * t.share()); }

    /** A setting as written on a command line: 32, 0.002, 0.00001. */
    static String trim(double v) {
        return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** Every figure as one JSON object (demo-report.json). */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.set("setup", JSON.valueToTree(setup));
        o.set("before", measureJson(before));
        o.set("after", measureJson(after));
        o.set("training", JSON.valueToTree(training));
        o.set("samples", JSON.valueToTree(samples));
        o.put("verdict", verdict());
        return o;
    }

    private static ObjectNode measureJson(Measure m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("eval_loss", m.evalLoss).put("eval_tokens", m.evalTokens).put("generation_seconds", m.generationSeconds);
        Compliance.Report r = m.compliance;
        o.set("complying", tally(r.all()));
        ObjectNode tasks = o.putObject("by_task");
        for (InstructionTask t : InstructionTask.values()) if (r.byTask().containsKey(t)) tasks.set(t.id(), tally(r.byTask().get(t)));
        o.set("held_out_words", tally(r.heldOut()));
        o.set("seen_words", tally(r.seen()));
        return o;
    }

    private static ObjectNode tally(Compliance.Tally t) {
        return JSON.createObjectNode().put("passed", t.passed()).put("total", t.total()).put("share", t.share());
    }
}
