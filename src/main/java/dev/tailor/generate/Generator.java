package dev.tailor.generate;

import dev.tailor.autograd.Tape;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.KvCache;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Autoregressive generation with a KV cache, for a batch of prompts of different lengths.
 *
 * <p>Batching: prompts are left-padded to the longest, so every row's last prompt token sits in
 * the same slot and all rows then advance together, one token per step, through one forward pass
 * (whose linear layers read each weight once for the whole batch). Each row's positions count its
 * own tokens only (a padded row starts at position 0 after its padding), and padded slots are
 * masked as keys, so a row gets the same tokens as it would alone. A row that has stopped keeps
 * riding along (its tokens are ignored) until every row has stopped: rows are independent, so
 * this costs only its share of the work.
 *
 * <p>Step 0 (prefill) runs every prompt token; each later step runs the token chosen last. The
 * model returns only the logits of each row's last token. Everything runs without the tape.
 */
public final class Generator {

    /** What one call produced, with its timing (prefill = the prompt pass, decode = every later pass). */
    public record Result(List<Generation> generations, double prefillSeconds, double decodeSeconds, int decodeSteps) {}

    private final CausalLM model;

    public Generator(CausalLM model) { this.model = model; }

    /**
     * Continues each prompt.
     *
     * @param prompts      token ids per row, each non-empty
     * @param maxNewTokens at most this many new tokens per row (fewer when the context is reached)
     * @param sampling     how tokens are chosen; row r draws from its own stream split off {@code seed}
     *                     (so row 0 of a batch draws what a single prompt with the same seed draws)
     * @param stop         end-of-sequence ids and stop strings
     * @param decoder      ids -> text (for stop strings and streaming), or null for ids only
     * @param listener     receives each token as it is chosen
     */
    public Result generate(List<int[]> prompts, int maxNewTokens, SamplingConfig sampling, StopRules stop,
                           Function<int[], String> decoder, TokenListener listener) {
        if (prompts.isEmpty()) throw new IllegalArgumentException("generate: no prompts given");
        if (maxNewTokens < 1) throw new IllegalArgumentException("generate: max new tokens must be >= 1, got " + maxNewTokens);
        if (decoder == null && !stop.stopStrings().isEmpty()) {
            throw new IllegalArgumentException("generate: stop strings " + stop.stopStrings() + " need a decoder to turn tokens into text");
        }
        int batch = prompts.size(), longest = longestPrompt(prompts), context = model.config().maxPositionEmbeddings();
        // the last chosen token is never fed back, so `budget` new tokens need longest + budget - 1 slots
        int budget = Math.min(maxNewTokens, context - longest + 1);
        Row[] rows = new Row[batch];
        SplittableRandom seeds = new SplittableRandom(sampling.seed());
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            rows[b] = new Row(p.length, new Sampler(sampling, model.config().vocabSize(), p, seeds.split()),
                    decoder == null ? null : new TextStream(decoder, stop));
        }
        KvCache cache = KvCache.forModel(model.config(), batch, longest + budget - 1);
        try (var g = Tape.noGrad()) {
            long t0 = System.nanoTime();
            Tensor logits = model.forward(leftPadded(prompts, longest), cache); // (B, 1, V)
            long t1 = System.nanoTime();
            int steps = 0;
            for (int step = 0; ; step++) {
                boolean go = chooseTokens(rows, logits, stop, listener);
                if (!go) cancelAll(rows, listener);
                if (!anyActive(rows)) break;
                if (step + 1 == budget) { finishAll(rows, FinishReason.LENGTH, listener); break; }
                logits = model.forward(nextInputs(rows), cache);
                steps++;
            }
            long t2 = System.nanoTime();
            List<Generation> out = new ArrayList<>(batch);
            for (Row r : rows) out.add(r.result());
            return new Result(out, (t1 - t0) * 1e-9, (t2 - t1) * 1e-9, steps);
        }
    }

    /** Every prompt checked against the context; the longest length. */
    private int longestPrompt(List<int[]> prompts) {
        int context = model.config().maxPositionEmbeddings(), vocab = model.config().vocabSize(), longest = 0;
        for (int b = 0; b < prompts.size(); b++) {
            int[] p = prompts.get(b);
            if (p.length == 0) throw new IllegalArgumentException("generate: prompt " + b + " is empty; a prompt needs at least one token");
            if (p.length > context) {
                throw new PromptTooLongException("prompt " + (prompts.size() > 1 ? b + " " : "") + "has " + p.length
                        + " tokens but the model's context is " + context + " tokens (max_position_embeddings in config.json); shorten the prompt by at least "
                        + (p.length - context) + " tokens");
            }
            for (int t = 0; t < p.length; t++) {
                if (p[t] < 0 || p[t] >= vocab) throw new IllegalArgumentException("generate: prompt " + b + " token " + t + " is id " + p[t] + ", outside the vocabulary [0, " + vocab + ")");
            }
            longest = Math.max(longest, p.length);
        }
        return longest;
    }

    /** (B, L) ids, each row's padding first; positions count real tokens only; padding masked. */
    static Inputs leftPadded(List<int[]> prompts, int longest) {
        int batch = prompts.size();
        int[] ids = new int[batch * longest], positions = new int[batch * longest];
        boolean[] padding = new boolean[batch * longest];
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            int pad = longest - p.length, o = b * longest;
            Arrays.fill(padding, o, o + pad, true); // ids 0 and positions 0 there: never seen by any query
            System.arraycopy(p, 0, ids, o + pad, p.length);
            for (int t = 0; t < p.length; t++) positions[o + pad + t] = t;
        }
        return new Inputs(ids, batch, longest, positions, padding);
    }

    /** (B, 1): each row's last token at its next position. */
    private static Inputs nextInputs(Row[] rows) {
        int[] ids = new int[rows.length], positions = new int[rows.length];
        for (int b = 0; b < rows.length; b++) {
            ids[b] = rows[b].last;
            positions[b] = rows[b].promptLength + rows[b].count - 1;
        }
        return new Inputs(ids, rows.length, 1, positions, null);
    }

    /** One token for every active row; false when the listener asked to stop. */
    private static boolean chooseTokens(Row[] rows, Tensor logits, StopRules stop, TokenListener listener) {
        int vocab = logits.dim(-1);
        float[] all = logits.data(); // (B, 1, V)
        boolean go = true;
        for (int b = 0; b < rows.length; b++) {
            Row r = rows[b];
            if (r.finish != null) continue;
            int token = r.sampler.next(Arrays.copyOfRange(all, b * vocab, (b + 1) * vocab));
            r.add(token);
            boolean eos = stop.isEos(token);
            String text = r.stream == null || eos ? "" : r.stream.push(token);
            go &= listener.onToken(b, token, text);
            if (eos) r.finish(b, FinishReason.EOS, listener);
            else if (r.stream != null && r.stream.stopIndex() >= 0) r.finish(b, FinishReason.STOP_STRING, listener);
        }
        return go;
    }

    private static boolean anyActive(Row[] rows) {
        for (Row r : rows) if (r.finish == null) return true;
        return false;
    }

    private static void finishAll(Row[] rows, FinishReason why, TokenListener listener) {
        for (int b = 0; b < rows.length; b++) if (rows[b].finish == null) rows[b].finish(b, why, listener);
    }

    private static void cancelAll(Row[] rows, TokenListener listener) { finishAll(rows, FinishReason.CANCELLED, listener); }

    /** One sequence's state during generation. */
    private static final class Row {
        final int promptLength;
        final Sampler sampler;
        final TextStream stream; // null without a decoder
        int[] tokens = new int[16];
        int count, last;
        FinishReason finish;

        Row(int promptLength, Sampler sampler, TextStream stream) {
            this.promptLength = promptLength; this.sampler = sampler; this.stream = stream;
        }

        void add(int token) {
            if (count == tokens.length) tokens = Arrays.copyOf(tokens, 2 * count);
            tokens[count++] = token;
            last = token;
        }

        void finish(int row, FinishReason why, TokenListener listener) {
            finish = why;
            listener.onFinish(row, stream == null ? "" : stream.rest(), why);
        }

        Generation result() {
            return new Generation(Arrays.copyOf(tokens, count), stream == null ? null : stream.text(), finish, promptLength);
        }
    }
}
