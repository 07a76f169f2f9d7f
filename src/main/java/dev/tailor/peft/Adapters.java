package dev.tailor.peft;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.models.CausalLM;
import dev.tailor.peft.adapter.BottleneckPlan;
import dev.tailor.peft.bitfit.BitFitPlan;
import dev.tailor.peft.ia3.Ia3Plan;
import dev.tailor.peft.lora.LoraConfigJson;
import dev.tailor.peft.lora.LoraModel;
import dev.tailor.peft.prompt.PromptConfigJson;
import dev.tailor.peft.prompt.PromptLearningModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a PEFT method meets a model: applying a config and loading a saved adapter are each one
 * {@code switch} over the sealed {@link PeftConfig}. A new method adds a record and a case.
 */
public final class Adapters {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final List<String> SUPPORTED_TYPES = List.of("LORA", "IA3", "BOTTLENECK", "BITFIT",
            "PROMPT_TUNING", "PREFIX_TUNING");


    private Adapters() {}

    /** Attaches a freshly initialised adapter named {@code name} to {@code model} and activates it. */
    public static PeftModel apply(CausalLM model, PeftConfig config, String name, long seed) {
        return switch (config) {
            case LoraConfig c -> LoraModel.wrap(model).add(name, c, seed);
            case PromptTuningConfig c -> PromptLearningModel.wrap(model).add(name, c, seed);
            case PrefixTuningConfig c -> PromptLearningModel.wrap(model).add(name, c, seed);
            case BottleneckConfig c -> attachLayers(model, c.forHidden(model.config().hiddenSize()), name, new TensorSource.Fresh(seed));
            case Ia3Config c -> attachLayers(model, c, name, new TensorSource.Fresh(seed));
            case BitFitConfig c -> attachLayers(model, c, name, new TensorSource.Fresh(seed));
        };
    }

    /** Attaches the adapter saved in {@code adapterDir} (PEFT layout) as "default" and activates it. */
    public static PeftModel load(CausalLM model, Path adapterDir) {
        PeftConfig config = readConfig(adapterDir);
        switch (config) {
            case LoraConfig c -> { return LoraModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir); }
            case PromptTuningConfig c -> { return PromptLearningModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir); }
            case PrefixTuningConfig c -> { return PromptLearningModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir); }
            default -> { }
        }
        TensorSource.FromFile file = LayerAdapterModel.open(adapterDir);
        PeftModel peft = attachLayers(model, config, LoraModel.DEFAULT, file);
        LayerAdapterModel.requireAllUsed(file);
        return peft;
    }

    /** A method made of layer wrappers: its plan builds them, {@link LayerAdapterModel} runs them. */
    private static PeftModel attachLayers(CausalLM model, PeftConfig config, String name, TensorSource src) {
        Map<String, PeftLinear> layers = switch (config) {
            case BottleneckConfig c -> BottleneckPlan.layers(model, c, src);
            case Ia3Config c -> Ia3Plan.layers(model, c, src);
            case BitFitConfig c -> BitFitPlan.layers(model, c, src);
            case LoraConfig c -> throw new IllegalArgumentException("LoRA attaches through LoraModel");
            case PromptTuningConfig c -> throw new IllegalArgumentException("prompt tuning attaches through PromptLearningModel");
            case PrefixTuningConfig c -> throw new IllegalArgumentException("prefix tuning attaches through PromptLearningModel");
        };
        Set<String> paths = Set.copyOf(layers.keySet());
        return LayerAdapterModel.attach(model, name, config, layers, file -> AdapterConfigJson.write(file, config, model, paths));
    }

    /** The method and settings in {@code adapterDir/adapter_config.json}. */
    public static PeftConfig readConfig(Path adapterDir) {
        Path file = adapterDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(adapterDir + ": no " + CONFIG_FILE + " (not a PEFT adapter folder)");
        JsonNode root = JsonFields.read(file).root();
        JsonNode type = root.get("peft_type");
        String t = type != null && type.isTextual() ? type.textValue() : String.valueOf(type);
        return switch (t) {
            case "LORA" -> LoraConfigJson.parse(file, root);
            case "PROMPT_TUNING", "PREFIX_TUNING" -> PromptConfigJson.parse(file, root, t);
            case "IA3", "BOTTLENECK", "BITFIT" -> AdapterConfigJson.parse(file, root, t);
            default -> throw new IllegalArgumentException(file + ": peft_type " + type + " is not supported (supported: " + SUPPORTED_TYPES + ")");
        };
    }
}
