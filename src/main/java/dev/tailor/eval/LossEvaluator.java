package dev.tailor.eval;

import dev.tailor.autograd.Tape;
import dev.tailor.data.DataException;
import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;

import java.util.List;

/**
 * Loss and perplexity over a set of rows: the mean over every counted label token of every row
 * (each row's mean loss weighted by its token count), with the Hugging Face shift.
 */
public final class LossEvaluator {

    /** @param loss mean loss per counted token; perplexity = exp(loss); tokens = counted tokens */
    public record Result(double loss, double perplexity, long tokens) {}

    private LossEvaluator() {}

    public static Result evaluate(CausalLM model, List<TokenRow> rows) {
        double sum = 0;
        long tokens = 0;
        int maxLen = model.config().maxPositionEmbeddings();
        try (var g = Tape.noGrad()) {
            for (TokenRow row : rows) {
                int n = row.countedTokens();
                if (n == 0) continue;
                if (row.ids().length > maxLen) {
                    throw new DataException(row.where() + ": " + row.ids().length + " tokens exceed the model's context of " + maxLen);
                }
                sum += (double) model.loss(Inputs.of(row.ids(), 1, row.ids().length), row.labels(), true).item() * n;
                tokens += n;
            }
        }
        if (tokens == 0) throw new DataException("no row has a counted label token to evaluate");
        double loss = sum / tokens;
        return new Result(loss, Math.exp(loss), tokens);
    }
}
