package dev.tailor.demo;

import dev.tailor.eval.Compliance;
import dev.tailor.eval.InstructionCase;
import dev.tailor.generate.Generation;
import dev.tailor.generate.Generator;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.StopRules;
import dev.tailor.generate.TokenListener;
import dev.tailor.models.CausalLM;
import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Asks a model every demo instruction and scores the answers: each prompt goes through the chat
 * template with the assistant's turn opened, the model answers greedily (at most
 * {@code maxNewTokens} tokens, stopping at the end-of-turn token), and {@link Compliance} judges
 * the text. Prompts run in batches through {@link Generator}, which gives each row the tokens it
 * would get alone.
 */
public final class InstructionProbe {

    /** The answers in the order of the cases, their score, and the time generation took. */
    public record Result(List<String> answers, Compliance.Report report, double seconds) {}

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int[] eosIds;

    /** @param modelEosIds the model's own end-of-sequence ids (config.json); the tokenizer's are added */
    public InstructionProbe(CausalLM model, Tokenizer tokenizer, ChatTemplate template, int[] modelEosIds) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        Set<Integer> eos = new LinkedHashSet<>();
        for (int id : modelEosIds) eos.add(id);
        for (int id : tokenizer.eosTokenIds()) eos.add(id); // <|im_end|> ends the assistant's turn
        this.eosIds = eos.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The prompt ids of one case: its messages rendered with the generation prompt, no special tokens added. */
    public int[] promptIds(InstructionCase c) {
        return tokenizer.encode(template.render(c.prompt(), true), false);
    }

    /** Greedy answers to every case, {@code batch} prompts per generation call, scored. */
    public Result run(List<InstructionCase> cases, int maxNewTokens, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        Generator generator = new Generator(model);
        StopRules stop = new StopRules(eosIds, List.of());
        List<String> answers = new ArrayList<>(cases.size());
        long t0 = System.nanoTime();
        for (int from = 0; from < cases.size(); from += batch) {
            List<int[]> prompts = new ArrayList<>();
            for (InstructionCase c : cases.subList(from, Math.min(cases.size(), from + batch))) prompts.add(promptIds(c));
            Generator.Result r = generator.generate(prompts, maxNewTokens, SamplingConfig.greedy(), stop, this::decode, TokenListener.NONE);
            for (Generation g : r.generations()) answers.add(g.text());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(answers, Compliance.score(cases, answers), seconds);
    }

    /**
     * Text of generated ids, special tokens dropped. Ids past the tokenizer's vocabulary (an
     * embedding padded to a round size) have no text.
     */
    private String decode(int[] ids) {
        int n = tokenizer.vocabSize(), kept = 0;
        int[] known = new int[ids.length];
        for (int id : ids) if (id < n) known[kept++] = id;
        return tokenizer.decode(kept == ids.length ? ids : Arrays.copyOf(known, kept), true);
    }
}
