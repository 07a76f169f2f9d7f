package dev.tailor.data.selfinstruct;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The instruction-generation loop of Self-Instruct: sample a prompt from the seed and accepted
 * instructions, let the model continue it, parse the new instructions and keep those that pass
 * the filters. Generation is a callback (prompt in, continuation out) so any generator can drive
 * it; the reference decodes with temperature 0.7, top-p 0.5, presence penalty 2, at most 1024
 * tokens, stopping at {@link SelfInstructPrompt#STOP_SEQUENCES}.
 */
public final class InstructionBootstrap {

    /** One accepted instruction, its nearest pool neighbour by ROUGE-L, and the request that produced it (0-based). */
    public record Accepted(String instruction, double maxSimilarity, String mostSimilar, int request) {}

    /** The accepted instructions, rejections per filter, and how many prompts were sent. */
    public record Result(List<Accepted> accepted, Map<Rejection, Integer> rejected, int requests) {}

    private final List<String> seedInstructions;
    private final Function<String, String> generate;
    private final FilterRules rules;
    private final boolean classification;
    private final long seed;

    /**
     * @param seedInstructions the human-written instructions (at least 8)
     * @param generate         continuation of a prompt (the text after the final "9.")
     * @param classification   use the classification-task prompt header
     * @param seed             seed of the prompt sampling
     */
    public InstructionBootstrap(List<String> seedInstructions, Function<String, String> generate, FilterRules rules,
                                boolean classification, long seed) {
        if (seedInstructions.size() < SelfInstructPrompt.PROMPT_INSTRUCTIONS) {
            throw new IllegalArgumentException("Self-Instruct needs at least " + SelfInstructPrompt.PROMPT_INSTRUCTIONS
                    + " seed instructions for its prompts, got " + seedInstructions.size());
        }
        this.seedInstructions = List.copyOf(seedInstructions);
        this.generate = generate;
        this.rules = rules;
        this.classification = classification;
        this.seed = seed;
    }

    /** Generates until {@code target} instructions are accepted or {@code maxRequests} prompts were sent. */
    public Result run(int target, int maxRequests) {
        return run(target, maxRequests, instruction -> true);
    }

    /**
     * As {@link #run(int, int)}, but an instruction that passes the filters is only accepted (and
     * offered to later prompts) when {@code complete} succeeds for it: the next stage, such as
     * generating its input and output, can still drop it. A dropped instruction stays in the
     * filter's pool, so near-copies of it are not tried again.
     */
    public Result run(int target, int maxRequests, Predicate<String> complete) {
        SplittableRandom rng = new SplittableRandom(seed);
        InstructionFilter filter = new InstructionFilter(rules, seedInstructions);
        List<String> machine = new ArrayList<>();
        List<Accepted> accepted = new ArrayList<>();
        int requests = 0;
        while (accepted.size() < target && requests < maxRequests) {
            String prompt = SelfInstructPrompt.encode(SelfInstructPrompt.sample(seedInstructions, machine, rng), classification);
            String continuation = generate.apply(prompt);
            int request = requests++;
            if (continuation == null) continue; // the generator produced nothing for this prompt
            for (String candidate : SelfInstructPrompt.parseResponse(continuation)) {
                InstructionFilter.Verdict v = filter.offer(candidate);
                if (!v.accepted() || !complete.test(candidate)) continue;
                machine.add(candidate);
                accepted.add(new Accepted(candidate, v.maxSimilarity(), v.mostSimilar(), request));
                if (accepted.size() == target) break;
            }
        }
        return new Result(List.copyOf(accepted), filter.rejectedCounts(), requests);
    }
}
