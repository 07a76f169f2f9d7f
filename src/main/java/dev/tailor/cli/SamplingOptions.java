package dev.tailor.cli;

import dev.tailor.generate.SamplingConfig;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** The decoding flags shared by {@code generate} and {@code chat}; defaults are greedy decoding. */
public final class SamplingOptions {

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "at most this many new tokens (default: ${DEFAULT-VALUE})")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy; else logits are divided by it before sampling (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "sample among the K most likely tokens; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "1", description = "sample among the most likely tokens holding probability P; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0", description = "drop tokens less likely than P times the most likely one; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repetition-penalty", defaultValue = "1", description = "divide positive / multiply negative logits of tokens already present; 1 = off (default: ${DEFAULT-VALUE})")
    float repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the sampling draws (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--stop", description = "stop when the text contains STR (repeatable); the text ends before it")
    List<String> stop = new ArrayList<>();

    SamplingConfig sampling() {
        return new SamplingConfig(temperature, topK, topP, minP, repetitionPenalty, seed);
    }

    int maxNewTokens() {
        if (maxNewTokens < 1) throw new IllegalArgumentException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        return maxNewTokens;
    }
}
