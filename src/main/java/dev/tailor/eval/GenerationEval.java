package dev.tailor.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.data.DataException;
import dev.tailor.generate.Generation;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.TextGenerator;
import dev.tailor.io.AtomicFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The metrics of {@code tailor eval} that need more than the loss: ROUGE-L, corpus BLEU and exact
 * match on greedy continuations of each row's prompt, and multiple-choice accuracy by
 * log-likelihood. Scores are on the 0-100 scale. A prediction is the generated text (stopped at
 * end-of-sequence, a stop string or the token limit) with surrounding whitespace stripped.
 */
public final class GenerationEval {

    /**
     * @param maxNewTokens  longest continuation in tokens
     * @param batchSize     prompts generated together (greedy: each row gets what it would get alone)
     * @param stopStrings   text that ends a continuation
     * @param normalization what exact match ignores
     */
    public record Options(int maxNewTokens, int batchSize, List<String> stopStrings, Set<ExactMatch.Normalization> normalization) {
        public Options {
            if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be >= 1, got " + maxNewTokens);
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            stopStrings = List.copyOf(stopStrings);
        }
    }

    /**
     * One row's outcome; a metric that was not asked for is NaN (or null / -1).
     *
     * @param rougeL     ROUGE-L F against the best reference, 0-100
     * @param bleu       sentence BLEU (effective order), 0-100
     * @param choiceLogLikelihoods (choices) summed log-probability of each choice, or null
     */
    public record RowResult(String where, String prediction, List<String> references, double rougeL, double bleu, Boolean exactMatch,
                            double[] choiceLogLikelihoods, int predictedChoice, int answer) {}

    /** Corpus scores (NaN when not asked for) and every row's outcome. */
    public record Scores(double rougeL, double bleu, double exactMatch, double accuracy, double accuracyNorm,
                         int generatedRows, int choiceRows, List<RowResult> rows) {}

    private GenerationEval() {}

    /** Scores {@code rows} of {@code file} with the generation metrics and accuracy among {@code metrics}. */
    public static Scores evaluate(TextGenerator gen, List<ReferenceRow> rows, Path file, Set<EvalMetric> metrics, Options o) {
        boolean generate = EvalMetric.anyGenerates(metrics), accuracy = metrics.contains(EvalMetric.ACCURACY);
        if (generate) requireReferences(rows, metrics);
        List<String> predictions = generate ? predictions(gen, rows, o) : null;
        double[][] choiceScores = accuracy ? choiceScores(gen, rows, file) : null;
        List<RowResult> out = new ArrayList<>(rows.size());
        int correct = 0, correctNorm = 0, choiceRows = 0;
        for (int i = 0; i < rows.size(); i++) {
            ReferenceRow row = rows.get(i);
            String p = generate ? predictions.get(i) : null;
            double[] ll = choiceScores == null ? null : choiceScores[i];
            int picked = ll == null ? -1 : MultipleChoice.argmax(ll);
            if (ll != null) {
                choiceRows++;
                if (picked == row.choice().answer()) correct++;
                if (MultipleChoice.argmax(perCharacter(ll, row.choice())) == row.choice().answer()) correctNorm++;
            }
            out.add(new RowResult(row.where(), p, row.references(),
                    metrics.contains(EvalMetric.ROUGE_L) ? 100 * RougeL.maxOverReferences(p, row.references()) : Double.NaN,
                    metrics.contains(EvalMetric.BLEU) ? Bleu.sentence(p, row.references()).score() : Double.NaN,
                    metrics.contains(EvalMetric.EXACT_MATCH) ? ExactMatch.matchesAny(p, row.references(), o.normalization()) : null,
                    ll, picked, row.choice() == null ? -1 : row.choice().answer()));
        }
        List<List<String>> refs = rows.stream().map(ReferenceRow::references).toList();
        return new Scores(
                metrics.contains(EvalMetric.ROUGE_L) ? RougeL.corpus(predictions, refs) : Double.NaN,
                metrics.contains(EvalMetric.BLEU) ? Bleu.corpus(predictions, referenceStreams(refs), false).score() : Double.NaN,
                metrics.contains(EvalMetric.EXACT_MATCH) ? ExactMatch.score(predictions, refs, o.normalization()) : Double.NaN,
                accuracy ? 100.0 * correct / choiceRows : Double.NaN,
                accuracy ? 100.0 * correctNorm / choiceRows : Double.NaN,
                generate ? rows.size() : 0, choiceRows, out);
    }

    /** The first row without a reference stops the run, naming the metric that needs one. */
    private static void requireReferences(List<ReferenceRow> rows, Set<EvalMetric> metrics) {
        String needs = metrics.stream().filter(EvalMetric::generates).map(m -> m.flag).toList().toString();
        for (ReferenceRow r : rows) {
            if (!r.hasReference()) {
                throw new DataException(r.where() + ": row has no reference, which " + needs + " compare(s) the generated text with; give it "
                        + "\"prompt\" with one of " + ReferenceRow.REFERENCE_FIELDS + ", messages ending with an assistant turn, "
                        + "or instruction + output");
            }
        }
    }

    /** Greedy continuations of every prompt, {@code batchSize} at a time. */
    private static List<String> predictions(TextGenerator gen, List<ReferenceRow> rows, Options o) {
        List<String> out = new ArrayList<>(rows.size());
        for (int from = 0; from < rows.size(); from += o.batchSize()) {
            List<int[]> prompts = new ArrayList<>();
            for (ReferenceRow r : rows.subList(from, Math.min(rows.size(), from + o.batchSize()))) prompts.add(r.prompt());
            for (Generation g : gen.generate(prompts, o.maxNewTokens(), SamplingConfig.greedy(), o.stopStrings()).generations()) {
                out.add(g.text().strip());
            }
        }
        return out;
    }

    /** (rows) per row the log-likelihood of each choice, or null for a row without choices. */
    private static double[][] choiceScores(TextGenerator gen, List<ReferenceRow> rows, Path file) {
        double[][] out = new double[rows.size()][];
        boolean any = false;
        for (int i = 0; i < rows.size(); i++) {
            ChoiceRow c = rows.get(i).choice();
            if (c == null) continue;
            // lm-evaluation-harness encodes context and continuation without special tokens.
            out[i] = MultipleChoice.choiceLogLikelihoods(gen.model(), c, s -> gen.tokenizer().encode(s, false));
            any = true;
        }
        if (!any) throw new DataException(file + ": accuracy needs rows with \"choices\" and \"answer\" (and \"prompt\" or \"question\"); no row has them");
        return out;
    }

    private static double[] perCharacter(double[] ll, ChoiceRow row) {
        double[] out = new double[ll.length];
        for (int c = 0; c < ll.length; c++) out[c] = ll[c] / row.choices().get(c).length();
        return out;
    }

    /**
     * Per-row reference lists as sacreBLEU's aligned streams. A row with fewer references than the
     * most repeats its last one: a duplicate reference changes neither the clipped counts (max over
     * references) nor the closest reference length.
     */
    static List<List<String>> referenceStreams(List<List<String>> refs) {
        int most = 0;
        for (List<String> r : refs) most = Math.max(most, r.size());
        List<List<String>> streams = new ArrayList<>(most);
        for (int s = 0; s < most; s++) {
            List<String> stream = new ArrayList<>(refs.size());
            for (List<String> r : refs) stream.add(r.get(Math.min(s, r.size() - 1)));
            streams.add(stream);
        }
        return streams;
    }

    /** Writes one JSON object per row (only the metrics computed), atomically. */
    public static void writeRows(Path file, List<RowResult> rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder();
        for (RowResult r : rows) {
            ObjectNode n = json.createObjectNode().put("row", r.where());
            if (r.prediction() != null) n.put("prediction", r.prediction());
            n.set("references", json.valueToTree(r.references()));
            if (!Double.isNaN(r.rougeL())) n.put("rouge_l", r.rougeL());
            if (!Double.isNaN(r.bleu())) n.put("bleu", r.bleu());
            if (r.exactMatch() != null) n.put("exact_match", r.exactMatch());
            if (r.choiceLogLikelihoods() != null) {
                n.set("choice_log_likelihoods", json.valueToTree(r.choiceLogLikelihoods()));
                n.put("predicted", r.predictedChoice()).put("answer", r.answer()).put("correct", r.predictedChoice() == r.answer());
            }
            b.append(json.writeValueAsString(n)).append('\n');
        }
        AtomicFile.writeString(file, b.toString());
    }
}
