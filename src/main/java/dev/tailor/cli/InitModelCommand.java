package dev.tailor.cli;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;
import dev.tailor.tokenizer.Tokenizer;
import dev.tailor.train.Methods;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/** {@code tailor init-model}: a randomly initialised checkpoint in the Hugging Face layout. */
@Command(name = "init-model", mixinStandardHelpOptions = true,
        description = "Write a randomly initialised model (config.json + safetensors) for benchmarks or pretraining.")
public final class InitModelCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--arch", required = true, description = "llama, qwen2, qwen3 or gpt2")
    String arch;

    @Option(names = "--preset", required = true, description = "tiny, demo, smollm2-135m or qwen2.5-0.5b")
    String preset;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32 or bf16 (default: ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--output", required = true, description = "folder to write")
    Path output;

    @Option(names = "--tokenizer", description = "tokenizer folder whose vocabulary size and bos/eos ids the model takes; its files are copied")
    Path tokenizer;

    @Override public Integer call() throws IOException {
        DType d = switch (dtype.toLowerCase()) {
            case "f32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        ModelConfig config = tokenizer == null ? Presets.config(arch, preset, d) : forTokenizer(d);
        CausalLM model = ModelInit.create(config, seed);
        ModelInit.write(model, output);
        if (tokenizer != null) copyTokenizerFiles();
        long params = model.parameters().values().stream().mapToLong(t -> t.shape().numel()).sum();
        spec.commandLine().getOut().printf("wrote %s: %s %s, %,d parameters, %s%n", output, arch, preset, params, d);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private ModelConfig forTokenizer(DType d) throws IOException {
        try (Tokenizer tok = Tokenizer.load(tokenizer)) {
            Integer bos = tok.bosTokenId().isPresent() ? Integer.valueOf(tok.bosTokenId().getAsInt()) : null;
            return Presets.config(arch, preset, d, tok.vocabSize(), bos, tok.eosTokenIds());
        }
    }

    private void copyTokenizerFiles() throws IOException {
        for (String f : Methods.TOKENIZER_FILES) {
            Path src = tokenizer.resolve(f);
            if (Files.isRegularFile(src)) Files.copy(src, output.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
