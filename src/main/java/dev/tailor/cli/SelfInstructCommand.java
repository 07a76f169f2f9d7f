package dev.tailor.cli;

import dev.tailor.data.selfinstruct.FilterRules;
import dev.tailor.data.selfinstruct.InstanceRejection;
import dev.tailor.data.selfinstruct.Rejection;
import dev.tailor.data.selfinstruct.SeedTask;
import dev.tailor.data.selfinstruct.SelfInstruct;
import dev.tailor.generate.FinishReason;
import dev.tailor.generate.Generation;
import dev.tailor.generate.PromptTooLongException;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.TextGenerator;
import dev.tailor.generate.TokenListener;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tailor self-instruct}: grows an instruction dataset from seed tasks with the model itself
 * ({@link SelfInstruct}), writes it as Alpaca rows for {@code tailor train}, and reports how many
 * candidates each filter dropped.
 */
@Command(name = "self-instruct", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate instruction data with Self-Instruct: new instructions from sampled seed tasks, then an input and output for each; "
                + "writes {\"instruction\", \"input\", \"output\"} JSONL rows.")
public final class SelfInstructCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder (with tokenizer.json)") Path model;
    @Option(names = "--adapter", description = "PEFT adapter folder applied unmerged") Path adapter;
    @Option(names = "--seed-tasks", required = true,
            description = "JSONL seed tasks {\"id\", \"name\", \"instruction\", \"instances\": [{\"input\", \"output\"}], \"is_classification\"}, at least 8")
    Path seedTasks;
    @Option(names = "--num", required = true, description = "rows to generate") int num;
    @Option(names = "--output", required = true, description = "JSONL file to write") Path output;
    @Option(names = "--max-requests", defaultValue = "0", description = "instruction prompts to send at most (default: 20 x --num)") int maxRequests;
    @Option(names = "--examples", defaultValue = "2", description = "seed tasks shown in each input/output prompt (default: ${DEFAULT-VALUE})") int examples;
    @Option(names = "--classification", description = "ask for classification tasks") boolean classification;
    @Option(names = "--max-new-tokens", defaultValue = "128", description = "longest continuation (default: ${DEFAULT-VALUE})") int maxNewTokens;
    @Option(names = "--temperature", defaultValue = "0.7", description = "sampling temperature, as the reference (default: ${DEFAULT-VALUE})") float temperature;
    @Option(names = "--top-p", defaultValue = "0.5", description = "nucleus sampling, as the reference (default: ${DEFAULT-VALUE})") float topP;
    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "1 = off (default: ${DEFAULT-VALUE})") float repetitionPenalty;
    @Option(names = "--max-similarity", defaultValue = "0.7", description = "drop instructions whose ROUGE-L F against the pool exceeds this (default: ${DEFAULT-VALUE})")
    double maxSimilarity;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the prompt sampling and the decoding (default: ${DEFAULT-VALUE})") long seed;

    @Override public Integer call() throws IOException {
        List<SeedTask> seeds = SeedTask.read(seedTasks);
        FilterRules d = FilterRules.DEFAULT;
        FilterRules rules = new FilterRules(d.minWords(), d.maxWords(), maxSimilarity, d.bannedWords(), d.bannedPrefixes());
        var settings = new SelfInstruct.Settings(num, maxRequests > 0 ? maxRequests : 20 * num, examples, rules, classification, seed);
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        if (seeds.size() < 8) {
            throw new IllegalArgumentException(seedTasks + ": " + seeds.size() + " seed task(s), but each instruction prompt lists 8; add seed tasks");
        }
        SelfInstruct.Report report;
        try (TextGenerator gen = TextGenerator.open(model, adapter)) {
            report = SelfInstruct.run(seeds, sampler(gen), settings);
        }
        SelfInstruct.writeAlpaca(output, report.rows());
        print(report);
        return 0;
    }

    /** The model as the loop sees it: each call samples with its own seed; a prompt over the context gives null. */
    private SelfInstruct.Model sampler(TextGenerator gen) {
        long[] calls = {0};
        return (prompt, stops) -> {
            var sampling = new SamplingConfig(temperature, 0, topP, 0f, repetitionPenalty, seed + calls[0]++);
            try {
                Generation g = gen.generate(gen.encodePrompt(prompt), maxNewTokens, sampling, stops, TokenListener.NONE).generations().getFirst();
                return new SelfInstruct.Continuation(g.text(), g.finish() == FinishReason.LENGTH);
            } catch (PromptTooLongException e) {
                return null;
            }
        };
    }

    private void print(SelfInstruct.Report r) {
        PrintWriter out = spec.commandLine().getOut();
        var ins = r.instructions();
        out.printf(Locale.ROOT, "self-instruct: %d instruction prompts sent, %d rows written to %s (asked for %d)%n",
                ins.requests(), r.rows().size(), output, num);
        if (r.instructionPromptsTooLong() > 0) out.printf("  %d instruction prompts were longer than the model's context and got no answer%n", r.instructionPromptsTooLong());
        if (r.instructionAnswersCut() > 0) {
            out.printf("  %d instruction answers reached --max-new-tokens; their unfinished last item was dropped%n", r.instructionAnswersCut());
        }
        out.printf("instruction candidates: %d passed the filters%n", ins.accepted().size() + sum(r.instanceRejections()));
        out.println("instruction filters (candidates dropped):");
        for (Rejection x : Rejection.values()) out.printf("  %-26s %6d%n", label(x), ins.rejected().getOrDefault(x, 0));
        out.println("input/output stage (instructions dropped):");
        for (InstanceRejection x : InstanceRejection.values()) out.printf("  %-26s %6d%n", x.name().toLowerCase(Locale.ROOT).replace('_', ' '), r.instanceRejections().get(x));
        if (r.rows().isEmpty()) out.println("warning: no row survived the filters; the file is empty (a model this small may need more --max-requests)");
        out.flush();
    }

    private static int sum(Map<InstanceRejection, Integer> m) {
        int n = 0;
        for (int v : m.values()) n += v;
        return n;
    }

    private String label(Rejection x) {
        return switch (x) {
            case TOO_SHORT -> "too short (< 4 words)";
            case TOO_LONG -> "too long (> 150 words)";
            case BANNED_KEYWORD -> "banned keyword";
            case BANNED_PREFIX -> "banned prefix";
            case STARTS_WITH_PUNCTUATION -> "starts with punctuation";
            case STARTS_WITH_NON_ASCII -> "starts with non-ASCII";
            case DUPLICATE -> "duplicate";
            case TOO_SIMILAR -> String.format(Locale.ROOT, "ROUGE-L > %.2f", maxSimilarity);
        };
    }
}
