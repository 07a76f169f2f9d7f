package dev.tailor.cli;

import dev.tailor.data.EvalRows;
import dev.tailor.data.TokenRow;
import dev.tailor.eval.LossEvaluator;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code tailor eval}: loss and perplexity of a model on a dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Loss and perplexity of a model (optionally with an adapter) on JSONL rows ({\"text\"} or {\"input_ids\", \"labels\"}).")
public final class EvalCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--adapter", description = "PEFT adapter folder applied unmerged (adapter_config.json + adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--data", required = true, description = "JSONL file of rows")
    Path data;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override public Integer call() {
        List<TokenRow> rows = EvalRows.read(data, () -> {
            try {
                return Tokenizer.load(model);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        CausalLM m = ModelLoader.load(model, false);
        if (adapter != null) Adapters.load(m, adapter);
        LossEvaluator.Result r = LossEvaluator.evaluate(m, rows);
        if (json) {
            spec.commandLine().getOut().printf(Locale.ROOT, "{\"loss\":%.6f,\"perplexity\":%.6f,\"tokens\":%d}%n", r.loss(), r.perplexity(), r.tokens());
        } else {
            spec.commandLine().getOut().printf(Locale.ROOT, "loss %.4f  perplexity %.4f  over %d tokens (%d rows)%n", r.loss(), r.perplexity(), r.tokens(), rows.size());
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
