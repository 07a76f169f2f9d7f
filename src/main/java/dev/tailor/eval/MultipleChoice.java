package dev.tailor.eval;

import dev.tailor.autograd.Tape;
import dev.tailor.data.DataException;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.tensor.Tensor;

import java.util.List;
import java.util.function.Function;

/**
 * Multiple-choice accuracy by log-likelihood, as lm-evaluation-harness scores such tasks: each
 * choice is a continuation of the prompt, its score is the summed log-probability of its tokens
 * given everything before them, and the prediction is the highest-scoring choice (ties go to the
 * first). {@code acc_norm} divides each score by the choice's length in characters first.
 */
public final class MultipleChoice {

    /** @param accuracy fraction of rows where the raw log-likelihood picks the answer; normalizedAccuracy the same per character */
    public record Result(double accuracy, double normalizedAccuracy, int correct, int correctNormalized, int rows) {}

    private MultipleChoice() {}

    /** Index of the largest value; the first one on a tie. */
    public static int argmax(double[] scores) {
        if (scores.length == 0) throw new IllegalArgumentException("argmax of no scores");
        int best = 0;
        for (int i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
        return best;
    }

    /**
     * Sum over the continuation's tokens of log p(token | context and the continuation before it).
     * The logits at position t predict token t+1, so the context needs at least one token.
     */
    public static double logLikelihood(CausalLM model, int[] context, int[] continuation) {
        if (context.length == 0) throw new IllegalArgumentException("log-likelihood needs at least one context token");
        if (continuation.length == 0) throw new IllegalArgumentException("log-likelihood needs at least one continuation token");
        int T = context.length + continuation.length;
        int V = model.config().vocabSize();
        int maxLen = model.config().maxPositionEmbeddings();
        if (T > maxLen) throw new IllegalArgumentException(T + " tokens (context + continuation) exceed the model's context of " + maxLen);
        int[] ids = new int[T];
        System.arraycopy(context, 0, ids, 0, context.length);
        System.arraycopy(continuation, 0, ids, context.length, continuation.length);
        float[] logits; // (1, T, V)
        try (var g = Tape.noGrad()) {
            Tensor out = model.forward(Inputs.of(ids, 1, T));
            logits = out.data();
        }
        double sum = 0;
        for (int i = 0; i < continuation.length; i++) {
            int row = context.length + i - 1; // logits at row predict the token at row + 1
            sum += logSoftmaxAt(logits, row * V, V, continuation[i]);
        }
        return sum;
    }

    /** Log-likelihood of every choice of a row; the prompt and each choice are encoded separately and joined. */
    public static double[] choiceLogLikelihoods(CausalLM model, ChoiceRow row, Function<String, int[]> encode) {
        int[] context = encode.apply(row.prompt());
        if (context.length == 0) throw new DataException(row.where() + ": the prompt encodes to no tokens");
        double[] ll = new double[row.choices().size()];
        for (int c = 0; c < ll.length; c++) {
            int[] cont = encode.apply(row.choices().get(c));
            if (cont.length == 0) throw new DataException(row.where() + ": choice " + c + " encodes to no tokens");
            ll[c] = logLikelihood(model, context, cont);
        }
        return ll;
    }

    /** Accuracy and length-normalised accuracy over the rows. */
    public static Result evaluate(CausalLM model, List<ChoiceRow> rows, Function<String, int[]> encode) {
        if (rows.isEmpty()) throw new IllegalArgumentException("multiple choice: no rows to evaluate");
        int correct = 0, correctNorm = 0;
        for (ChoiceRow row : rows) {
            double[] ll = choiceLogLikelihoods(model, row, encode);
            if (argmax(ll) == row.answer()) correct++;
            double[] norm = new double[ll.length];
            for (int c = 0; c < ll.length; c++) norm[c] = ll[c] / row.choices().get(c).length();
            if (argmax(norm) == row.answer()) correctNorm++;
        }
        return new Result((double) correct / rows.size(), (double) correctNorm / rows.size(), correct, correctNorm, rows.size());
    }

    /** log softmax(logits[off .. off+V))[target], in double with the max subtracted. */
    static double logSoftmaxAt(float[] logits, int off, int V, int target) {
        if (target < 0 || target >= V) throw new IllegalArgumentException("token id " + target + " is outside the vocabulary 0.." + (V - 1));
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < V; v++) max = Math.max(max, logits[off + v]);
        double s = 0;
        for (int v = 0; v < V; v++) s += Math.exp(logits[off + v] - max);
        return logits[off + target] - max - Math.log(s);
    }
}
