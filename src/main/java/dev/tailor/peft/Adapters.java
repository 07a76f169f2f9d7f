package dev.tailor.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.models.CausalLM;
import dev.tailor.peft.lora.LoraConfigJson;
import dev.tailor.peft.lora.LoraModel;
import dev.tailor.peft.prompt.PromptConfigJson;
import dev.tailor.peft.prompt.PromptLearningModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a PEFT method meets a model: applying a config and loading a saved adapter are each one
 * {@code switch} over the sealed {@link PeftConfig}. A new method adds a record and a case.
 */
public final class Adapters {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final List<String> SUPPORTED_TYPES = List.of("LORA",
            "PROMPT_TUNING", "PREFIX_TUNING");

    private static final JsonMapper JSON = new JsonMapper();

    private Adapters() {}

    /** Attaches a freshly initialised adapter named {@code name} to {@code model} and activates it. */
    public static PeftModel apply(CausalLM model, PeftConfig config, String name, long seed) {
        return switch (config) {
            case LoraConfig c -> LoraModel.wrap(model).add(name, c, seed);
            case PromptTuningConfig c -> PromptLearningModel.wrap(model).add(name, c, seed);
            case PrefixTuningConfig c -> PromptLearningModel.wrap(model).add(name, c, seed);
        };
    }

    /** Attaches the adapter saved in {@code adapterDir} (PEFT layout) as "default" and activates it. */
    public static PeftModel load(CausalLM model, Path adapterDir) {
        return switch (readConfig(adapterDir)) {
            case LoraConfig c -> LoraModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir);
            case PromptTuningConfig c -> PromptLearningModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir);
            case PrefixTuningConfig c -> PromptLearningModel.wrap(model).load(LoraModel.DEFAULT, c, adapterDir);
        };
    }

    /** The method and settings in {@code adapterDir/adapter_config.json}. */
    public static PeftConfig readConfig(Path adapterDir) {
        Path file = adapterDir.resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(adapterDir + ": no " + CONFIG_FILE + " (not a PEFT adapter folder)");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        JsonNode type = root.get("peft_type");
        String t = type != null && type.isTextual() ? type.textValue() : String.valueOf(type);
        return switch (t) {
            case "LORA" -> LoraConfigJson.parse(file, root);
            case "PROMPT_TUNING", "PREFIX_TUNING" -> PromptConfigJson.parse(file, root, t);
            default -> throw new IllegalArgumentException(file + ": peft_type " + type + " is not supported (supported: " + SUPPORTED_TYPES + ")");
        };
    }
}
