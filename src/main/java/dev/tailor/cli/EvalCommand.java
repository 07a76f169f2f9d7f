package dev.tailor.cli;

import dev.tailor.data.EvalRows;
import dev.tailor.data.JsonlReader;
import dev.tailor.data.TokenRow;
import dev.tailor.data.TokenizerEncoder;
import dev.tailor.eval.EvalMetric;
import dev.tailor.eval.ExactMatch;
import dev.tailor.eval.GenerationEval;
import dev.tailor.eval.LossEvaluator;
import dev.tailor.eval.ReferenceRow;
import dev.tailor.generate.TextGenerator;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code tailor eval}: loss and perplexity of a model on a dataset, and with {@code --metrics}
 * ROUGE-L, BLEU and exact match of its greedy continuations and multiple-choice accuracy
 * ({@link GenerationEval}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model (optionally with an adapter) on JSONL rows.",
                "Loss rows: {\"text\"} or {\"input_ids\", \"labels\"?}, or any row with a reference (its reference is scored given its prompt, as in training).",
                "Generation rows: {\"prompt\", \"reference\" (string or list)}, {\"messages\"} ending with the assistant's turn, or {\"instruction\", \"input\"?, \"output\"}.",
                "Accuracy rows: {\"prompt\" or \"question\", \"choices\": [...], \"answer\": index or text}."})
public final class EvalCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--adapter", description = "PEFT adapter folder applied unmerged (adapter_config.json + adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--data", required = true, description = "JSONL file of rows")
    Path data;

    @Option(names = "--metrics", defaultValue = "loss,perplexity",
            description = "comma-separated: loss, perplexity, rouge-l, bleu, exact-match, accuracy (default: ${DEFAULT-VALUE})")
    String metrics;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--per-row", description = "write each row's prediction and scores to this JSONL file")
    Path perRow;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "longest generated continuation (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--batch-size", defaultValue = "8", description = "prompts generated together (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--stop", description = "stop a continuation when its text contains STR (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--em-normalize", defaultValue = "squad",
            description = "what exact match ignores: squad (all of them), none, or some of lowercase,punctuation,articles,whitespace (default: ${DEFAULT-VALUE})")
    String emNormalize;

    @Override public Integer call() throws IOException {
        Set<EvalMetric> wanted = EvalMetric.parse(metrics);
        Set<ExactMatch.Normalization> normalization = normalization(emNormalize);
        boolean scoresText = EvalMetric.anyGenerates(wanted) || wanted.contains(EvalMetric.ACCURACY);
        boolean loss = wanted.contains(EvalMetric.LOSS) || wanted.contains(EvalMetric.PERPLEXITY);
        if (!scoresText && plainLossRows(data)) {
            // Text and pre-tokenised rows need no generator, and pre-tokenised ones no tokenizer.
            CausalLM m = ModelLoader.load(model, false);
            if (adapter != null) Adapters.load(m, adapter);
            List<TokenRow> rows = EvalRows.read(data, () -> loadTokenizer(model));
            report(wanted, LossEvaluator.evaluate(m, rows), rows.size(), null, normalization);
            return 0;
        }
        try (TextGenerator gen = TextGenerator.open(model, adapter)) {
            List<ReferenceRow> rows = ReferenceRow.read(data, TokenizerEncoder.load(model, gen.model().config().eosTokenIds()));
            LossEvaluator.Result lossResult = null;
            int lossRows = 0;
            if (loss) {
                List<TokenRow> tokens = plainLossRows(data) ? EvalRows.read(data, gen::tokenizer)
                        : rows.stream().map(ReferenceRow::tokens).filter(Objects::nonNull).toList();
                lossResult = LossEvaluator.evaluate(gen.model(), tokens);
                lossRows = tokens.size();
            }
            GenerationEval.Scores scores = scoresText
                    ? GenerationEval.evaluate(gen, rows, data, wanted, new GenerationEval.Options(maxNewTokens, batchSize, stop, normalization))
                    : null;
            if (perRow != null && scores != null) GenerationEval.writeRows(perRow, scores.rows());
            report(wanted, lossResult, lossRows, scores, normalization);
        }
        return 0;
    }

    /** Whether the file's rows are {"text"} or {"input_ids"} rows, read as before --metrics existed. */
    private static boolean plainLossRows(Path file) {
        List<JsonlReader.Row> rows = JsonlReader.read(file);
        return !rows.isEmpty() && (rows.getFirst().json().has("text") || rows.getFirst().json().has("input_ids"));
    }

    private static Tokenizer loadTokenizer(Path dir) {
        try {
            return Tokenizer.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The summary table, or one JSON object with --json. */
    private void report(Set<EvalMetric> wanted, LossEvaluator.Result loss, int lossRows, GenerationEval.Scores s, Set<ExactMatch.Normalization> norm) {
        PrintWriter out = spec.commandLine().getOut();
        List<String[]> table = new ArrayList<>();
        StringBuilder js = new StringBuilder("{");
        if (loss != null) {
            if (wanted.contains(EvalMetric.LOSS)) {
                table.add(row("loss", "%.4f", loss.loss(), String.format(Locale.ROOT, "%,d tokens (%d rows)", loss.tokens(), lossRows)));
                js.append(String.format(Locale.ROOT, "\"loss\":%.6f,", loss.loss()));
            }
            if (wanted.contains(EvalMetric.PERPLEXITY)) {
                table.add(row("perplexity", "%.4f", loss.perplexity(), ""));
                js.append(String.format(Locale.ROOT, "\"perplexity\":%.6f,", loss.perplexity()));
            }
            js.append("\"tokens\":").append(loss.tokens()).append(',');
        }
        if (s != null) {
            String gen = s.generatedRows() + " rows";
            if (wanted.contains(EvalMetric.ROUGE_L)) { table.add(row("rouge-l", "%.2f", s.rougeL(), gen)); js.append(num("rouge_l", s.rougeL())); }
            if (wanted.contains(EvalMetric.BLEU)) { table.add(row("bleu", "%.2f", s.bleu(), gen)); js.append(num("bleu", s.bleu())); }
            if (wanted.contains(EvalMetric.EXACT_MATCH)) {
                table.add(row("exact-match", "%.2f", s.exactMatch(), gen + ", normalised: " + emNormalize));
                js.append(num("exact_match", s.exactMatch()));
            }
            if (wanted.contains(EvalMetric.ACCURACY)) {
                table.add(row("accuracy", "%.2f", s.accuracy(), String.format(Locale.ROOT, "%d rows with choices (per-character: %.2f)", s.choiceRows(), s.accuracyNorm())));
                js.append(num("accuracy", s.accuracy())).append(num("accuracy_norm", s.accuracyNorm()));
            }
            js.append("\"rows\":").append(s.rows().size()).append(',');
        }
        if (json) {
            js.setLength(js.length() - 1);
            out.println(js.append('}'));
        } else {
            out.printf("%-12s %10s   %s%n", "metric", "value", "over");
            for (String[] r : table) out.printf("%-12s %10s   %s%n", r[0], r[1], r[2]);
            if (perRow != null && s != null) out.println("per-row results: " + perRow);
        }
        out.flush();
    }

    private static String[] row(String name, String format, double v, String over) {
        return new String[]{name, String.format(Locale.ROOT, format, v), over};
    }

    private static String num(String key, double v) { return String.format(Locale.ROOT, "\"%s\":%.6f,", key, v); }

    /** The --em-normalize value as normalisation steps. */
    static Set<ExactMatch.Normalization> normalization(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("squad")) return ExactMatch.SQUAD;
        if (v.equals("none")) return ExactMatch.NONE;
        Set<ExactMatch.Normalization> out = EnumSet.noneOf(ExactMatch.Normalization.class);
        for (String part : v.split(",")) {
            out.add(switch (part.trim()) {
                case "lowercase" -> ExactMatch.Normalization.LOWERCASE;
                case "punctuation" -> ExactMatch.Normalization.STRIP_PUNCTUATION;
                case "articles" -> ExactMatch.Normalization.STRIP_ARTICLES;
                case "whitespace" -> ExactMatch.Normalization.COLLAPSE_WHITESPACE;
                default -> throw new IllegalArgumentException("--em-normalize: unknown step '" + part.trim()
                        + "'; expected squad, none, or some of lowercase,punctuation,articles,whitespace");
            });
        }
        return out;
    }
}
