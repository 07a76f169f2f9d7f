package dev.tailor.peft.lora;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;
import dev.tailor.peft.JsonFields;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.Targets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * PEFT's {@code adapter_config.json} for LoRA. Keys that only describe where the adapter came from
 * are accepted; keys of PEFT features that would change the output (e.g. {@code lora_bias},
 * {@code layer_replication}) are refused unless unset; keys this reader does not know are reported
 * on stderr and ignored, so adapters from newer PEFT versions still load.
 */
public final class LoraConfigJson {

    static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Read into the config. */
    private static final Set<String> READ = Set.of("peft_type", "r", "lora_alpha", "lora_dropout", "use_rslora", "use_dora", "bias",
            "target_modules", "exclude_modules", "layers_to_transform", "layers_pattern", "modules_to_save", "rank_pattern",
            "alpha_pattern", "init_lora_weights");
    /** Provenance or initialisation-only settings: no effect on a loaded adapter's output. */
    private static final Set<String> INERT = Set.of("base_model_name_or_path", "revision", "task_type", "inference_mode",
            "auto_mapping", "peft_version", "fan_in_fan_out", "megatron_core", "loftq_config", "eva_config", "corda_config",
            "runtime_config", "qalora_group_size", "lora_ga_config");
    /** Features that change the output: accepted only when unset (null, false or empty). */
    private static final Set<String> MUST_BE_UNSET = Set.of("use_qalora", "lora_bias", "layer_replication", "trainable_token_indices",
            "target_parameters", "megatron_config", "alora_invocation_tokens", "arrow_config", "ensure_weight_tying");

    private LoraConfigJson() {}

    public static LoraConfig read(Path file) {
        JsonNode root = JsonFields.read(file).root();
        return parse(file, root);
    }

    /** The config in {@code root}, which must be a LoRA config; {@code file} names it in errors. */
    public static LoraConfig parse(Path file, JsonNode root) {
        JsonFields f = new JsonFields(file, root);
        String type = f.string("peft_type", null);
        if (!"LORA".equals(type)) throw f.error("peft_type", "is " + root.get("peft_type") + ", expected \"LORA\"");
        for (String key : (Iterable<String>) () -> root.fieldNames()) {
            if (READ.contains(key) || INERT.contains(key)) continue;
            if (MUST_BE_UNSET.contains(key)) {
                if (!unset(root.get(key))) throw f.error(key, "is " + root.get(key) + "; this PEFT feature is not supported (it must be unset)");
                continue;
            }
            System.err.println("warning: " + file + ": ignoring unknown key '" + key + "' (a newer PEFT setting)");
        }
        Targets targets = f.targets("target_modules", false);
        if (targets == null) throw f.error("target_modules", "is missing");
        return new LoraConfig(f.positiveInt("r", 8), f.number("lora_alpha", 8), f.number("lora_dropout", 0), f.bool("use_rslora"),
                f.bool("use_dora"), bias(f), targets, f.targets("exclude_modules", true), f.ints("layers_to_transform"),
                f.strings("layers_pattern"), f.strings("modules_to_save"), f.intMap("rank_pattern"), f.doubleMap("alpha_pattern"),
                init(f), 1);
    }

    private static LoraConfig.Bias bias(JsonFields f) {
        String b = f.string("bias", "none");
        try {
            return LoraConfig.Bias.parse(b);
        } catch (IllegalArgumentException e) {
            throw f.error("bias", "is \"" + b + "\", expected \"none\", \"all\" or \"lora_only\"");
        }
    }

    private static LoraConfig.Init init(JsonFields f) {
        JsonNode n = f.node("init_lora_weights");
        if (n == null || n.isBoolean() && n.booleanValue()) return LoraConfig.Init.KAIMING;
        if (n.isBoolean()) return LoraConfig.Init.RANDOM;
        String s = n.isTextual() ? n.textValue() : n.toString();
        return switch (s) {
            case "gaussian" -> LoraConfig.Init.GAUSSIAN;
            case "eva" -> LoraConfig.Init.EVA;
            default -> throw f.error("init_lora_weights", "is " + n + ": such an adapter expects a base model whose weights its "
                    + "initialisation changed (PiSSA, OLoRA, LoftQ, CorDA); convert it to a plain LoRA in PEFT first");
        };
    }

    private static boolean unset(JsonNode n) {
        return n == null || n.isNull() || n.isBoolean() && !n.booleanValue() || n.isContainerNode() && n.isEmpty();
    }

    /**
     * Writes {@code c} as PEFT does (sorted keys, 2-space indent). all-linear is written as the
     * layer names it selected ({@code targetNames}), as PEFT saves it.
     */
    public static void write(Path file, LoraConfig c, List<String> targetNames, boolean fanInFanOut) {
        ObjectNode o = JSON.createObjectNode();
        o.set("alpha_pattern", JSON.valueToTree(c.alphaPattern()));
        o.putNull("base_model_name_or_path");
        o.put("bias", c.bias().json);
        putTargets(o, "exclude_modules", c.excludeModules(), List.of());
        o.put("fan_in_fan_out", fanInFanOut);
        o.put("inference_mode", true);
        switch (c.init()) {
            case KAIMING -> o.put("init_lora_weights", true);
            case RANDOM -> o.put("init_lora_weights", false);
            case GAUSSIAN -> o.put("init_lora_weights", "gaussian");
            case EVA -> o.put("init_lora_weights", "eva");
        }
        if (c.layersPattern().isEmpty()) o.putNull("layers_pattern");
        else if (c.layersPattern().size() == 1) o.put("layers_pattern", c.layersPattern().get(0));
        else o.set("layers_pattern", JSON.valueToTree(c.layersPattern()));
        if (c.layersToTransform().isEmpty()) o.putNull("layers_to_transform");
        else o.set("layers_to_transform", JSON.valueToTree(c.layersToTransform()));
        putNumber(o, "lora_alpha", c.loraAlpha());
        o.put("lora_dropout", c.loraDropout());
        if (c.modulesToSave().isEmpty()) o.putNull("modules_to_save");
        else o.set("modules_to_save", JSON.valueToTree(c.modulesToSave()));
        o.put("peft_type", "LORA");
        o.put("r", c.r());
        o.set("rank_pattern", JSON.valueToTree(c.rankPattern()));
        o.putNull("revision");
        putTargets(o, "target_modules", c.targetModules(), List.copyOf(new TreeSet<>(targetNames)));
        o.put("task_type", "CAUSAL_LM");
        o.put("use_dora", c.useDora());
        o.put("use_rslora", c.useRslora());
        try {
            AtomicFile.writeString(file, JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static void putTargets(ObjectNode o, String key, Targets t, List<String> allLinearNames) {
        switch (t) {
            case null -> o.putNull(key);
            case Targets.Names n -> o.set(key, JSON.valueToTree(n.names()));
            case Targets.Regex r -> o.put(key, r.pattern());
            case Targets.AllLinear a -> o.set(key, JSON.valueToTree(allLinearNames));
        }
    }

    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) o.put(key, (long) v);
        else o.put(key, v);
    }
}
