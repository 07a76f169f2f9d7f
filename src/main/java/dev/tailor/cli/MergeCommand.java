package dev.tailor.cli;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.MergedCheckpoint;
import dev.tailor.peft.PeftModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tailor merge}: fold a PEFT adapter into its base model and write a plain Hugging Face checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge an adapter (LoRA, rsLoRA, DoRA, IA3, BitFit; bottleneck adapters cannot merge) into its base model and write a complete model folder.")
public final class MergeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "base model folder (config.json + safetensors)")
    Path model;

    @Option(names = "--adapter", required = true, description = "adapter folder (adapter_config.json + adapter_model.safetensors)")
    Path adapter;

    @Option(names = "--output", required = true, description = "folder to write the merged model to")
    Path output;

    @Override public Integer call() {
        CausalLM base = ModelLoader.load(model, false);
        PeftModel peft = Adapters.load(base, adapter);
        MergedCheckpoint.write(peft, model, output);
        System.out.printf("wrote %s: %s merged with %s (%s)%n", output, model, adapter, peft.config(peft.active()).peftType());
        return 0;
    }
}
