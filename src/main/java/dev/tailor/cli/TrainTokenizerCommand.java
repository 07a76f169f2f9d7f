package dev.tailor.cli;

import dev.tailor.tokenizer.bpe.BpeModel;
import dev.tailor.tokenizer.bpe.BpeTrainer;
import dev.tailor.tokenizer.bpe.TokenizerFiles;
import dev.tailor.tokenizer.bpe.TrainingText;
import dev.tailor.tokenizer.bpe.WordCounts;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code tailor train-tokenizer}: learns a byte-level BPE tokenizer and writes it in the Hugging Face format. */
@Command(name = "train-tokenizer", mixinStandardHelpOptions = true,
        description = {"Train a byte-level BPE tokenizer (GPT-2 style) on text files and write tokenizer.json and "
                + "tokenizer_config.json (with a ChatML chat template when <|im_start|> and <|im_end|> are special tokens).",
                "A .txt file is one document; a .jsonl/.json file holds {\"text\": ...} or {\"messages\": [...]} rows."})
public final class TrainTokenizerCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Training text: .txt, or .jsonl/.json rows with \"text\" or \"messages\". Repeatable.")
    List<Path> data;

    @Option(names = "--vocab-size", required = true, paramLabel = "N",
            description = "Exact number of tokens, special tokens and the 256 byte symbols included.")
    int vocabSize;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder to write the tokenizer to.")
    Path output;

    @Option(names = "--special", split = ",", paramLabel = "TOKENS",
            defaultValue = "<|endoftext|>,<|im_start|>,<|im_end|>",
            description = "Comma-separated special tokens, ids 0, 1, ... (default: ${DEFAULT-VALUE}).")
    List<String> special;

    @Option(names = "--bos-token", paramLabel = "T", description = "bos_token (default <|endoftext|> if special; \"\" for none).")
    String bos;

    @Option(names = "--eos-token", paramLabel = "T",
            description = "eos_token (default <|im_end|>, else <|endoftext|>, if special; \"\" for none).")
    String eos;

    @Option(names = "--pad-token", paramLabel = "T", description = "pad_token (default <|endoftext|> if special; \"\" for none).")
    String pad;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<String> specials = specialTokens();
        TokenizerFiles.Roles defaults = TokenizerFiles.Roles.defaults(specials);
        TokenizerFiles.Roles roles = new TokenizerFiles.Roles(role(bos, defaults.bos()), role(eos, defaults.eos()),
                role(pad, defaults.pad()));

        long t0 = System.nanoTime();
        WordCounts counts = new WordCounts(specials);
        for (Path file : data) TrainingText.add(file, counts);
        long t1 = System.nanoTime();
        BpeModel model;
        try {
            model = BpeTrainer.train(counts, vocabSize, specials);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vocab-size " + vocabSize + ": " + e.getMessage(), e);
        }
        long t2 = System.nanoTime();
        TokenizerFiles.write(output, model, roles);

        out.printf("read %d file(s): %d sequences, %d distinct words in %.2f s%n", data.size(), counts.sequences(),
                counts.distinct(), (t1 - t0) / 1e9);
        out.printf("learned %d merges in %.2f s; vocabulary %d tokens (%d special)%n", model.merges().size(),
                (t2 - t1) / 1e9, model.vocabSize(), specials.size());
        out.println("wrote " + output.resolve("tokenizer.json") + " and " + output.resolve("tokenizer_config.json"));
        out.flush();
        return 0;
    }

    private List<String> specialTokens() {
        List<String> tokens = new ArrayList<>();
        for (String t : special) if (!t.isBlank()) tokens.add(t.strip());
        if (new LinkedHashSet<>(tokens).size() != tokens.size()) {
            throw new IllegalArgumentException("--special lists a token twice: " + tokens);
        }
        return tokens;
    }

    /** An explicit option wins; "" means no token for that role. */
    private static Optional<String> role(String given, Optional<String> fallback) {
        if (given == null) return fallback;
        return given.isEmpty() ? Optional.empty() : Optional.of(given);
    }
}
