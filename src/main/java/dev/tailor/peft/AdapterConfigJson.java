package dev.tailor.peft;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.io.AtomicFile;
import dev.tailor.models.CausalLM;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.lora.LoraConfigJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * adapter_config.json for the methods beside LoRA. (IA)³ is written exactly as PEFT writes an
 * {@code IA3Config}; the bottleneck adapter ({@code "BOTTLENECK"}) and BitFit ({@code "BITFIT"})
 * are not PEFT types, so their files use PEFT's common keys plus AdapterHub's names for the
 * bottleneck settings. Unknown keys are reported on stderr and ignored; PEFT features that would
 * change the output are refused unless unset.
 */
public final class AdapterConfigJson {

    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final Set<String> INERT = Set.of("base_model_name_or_path", "revision", "task_type", "inference_mode",
            "auto_mapping", "peft_version", "fan_in_fan_out");

    private AdapterConfigJson() {}

    /** Parses a non-LoRA config whose peft_type is {@code type}. */
    public static PeftConfig parse(Path file, JsonNode root, String type) {
        JsonFields f = new JsonFields(file, root);
        return switch (type) {
            case "IA3" -> {
                known(f, Set.of("target_modules", "feedforward_modules", "exclude_modules", "init_ia3_weights"), Set.of("modules_to_save"));
                Targets targets = f.targets("target_modules", false);
                if (targets == null) throw f.error("target_modules", "is missing");
                JsonNode init = f.node("init_ia3_weights");
                yield new Ia3Config(targets, f.targets("feedforward_modules", true), f.targets("exclude_modules", true), init == null || f.bool("init_ia3_weights"));
            }
            case "BOTTLENECK" -> {
                known(f, Set.of("adapter_type", "adapter_size", "non_linearity", "mh_adapter", "output_adapter", "init_weights"), Set.of());
                BottleneckConfig.Type t;
                BottleneckConfig.Nonlinearity act;
                try {
                    t = BottleneckConfig.Type.parse(f.string("adapter_type", "houlsby"));
                    act = BottleneckConfig.Nonlinearity.parse(f.string("non_linearity", t.defaultNonlinearity().json));
                } catch (IllegalArgumentException e) {
                    throw f.error("adapter_type/non_linearity", e.getMessage());
                }
                if (f.node("mh_adapter") != null && f.bool("mh_adapter") != t.afterAttention || f.node("output_adapter") != null && f.bool("output_adapter") != t.afterMlp) {
                    throw f.error("mh_adapter/output_adapter", "do not match adapter_type \"" + t.json() + "\" (expected " + t.afterAttention + "/" + t.afterMlp + ")");
                }
                String init = f.string("init_weights", "mam_adapter");
                if (!init.equals("mam_adapter")) throw f.error("init_weights", "is \"" + init + "\"; only \"mam_adapter\" is written by Tailor (the loaded tensors do not depend on it)");
                int size = f.positiveInt("adapter_size", 0);
                if (size == 0) throw f.error("adapter_size", "is missing");
                yield new BottleneckConfig(t, size, act);
            }
            case "BITFIT" -> {
                known(f, Set.of("target_modules"), Set.of());
                yield new BitFitConfig(f.targets("target_modules", false));
            }
            default -> throw new IllegalArgumentException(file + ": peft_type \"" + type + "\" is not one of IA3, BOTTLENECK, BITFIT");
        };
    }

    private static void known(JsonFields f, Set<String> read, Set<String> mustBeUnset) {
        for (String key : (Iterable<String>) () -> f.root().fieldNames()) {
            if (key.equals("peft_type") || read.contains(key) || INERT.contains(key)) continue;
            if (mustBeUnset.contains(key)) {
                JsonNode n = f.node(key);
                if (n != null && !(n.isContainerNode() && n.isEmpty())) throw f.error(key, "is " + n + "; this PEFT feature is not supported (it must be unset)");
                continue;
            }
            System.err.println("warning: " + f.file() + ": ignoring unknown key '" + key + "'");
        }
    }

    /** Writes {@code c} (not LoRA) as applied to {@code model}, sorted keys with a 2-space indent as PEFT writes them. */
    public static void write(Path file, PeftConfig c, CausalLM model, Set<String> adaptedPaths) {
        ObjectNode o = JSON.createObjectNode();
        o.putNull("base_model_name_or_path");
        o.put("inference_mode", true);
        o.put("peft_type", c.peftType());
        o.putNull("revision");
        o.put("task_type", "CAUSAL_LM");
        switch (c) {
            case Ia3Config i -> {
                o.putNull("auto_mapping");
                LoraConfigJson.putTargets(o, "exclude_modules", i.excludeModules(), List.of());
                o.put("fan_in_fan_out", inOut(model, adaptedPaths));
                LoraConfigJson.putTargets(o, "feedforward_modules", i.feedforwardModules(), List.of());
                o.put("init_ia3_weights", i.initIa3Weights());
                o.putNull("modules_to_save");
                LoraConfigJson.putTargets(o, "target_modules", i.targetModules(), names(adaptedPaths));
            }
            case BottleneckConfig b -> {
                o.put("adapter_size", b.size());
                o.put("adapter_type", b.type().json());
                o.put("init_weights", "mam_adapter");
                o.put("mh_adapter", b.type().afterAttention);
                o.put("non_linearity", b.nonlinearity().json);
                o.put("output_adapter", b.type().afterMlp);
            }
            case BitFitConfig bf -> LoraConfigJson.putTargets(o, "target_modules", bf.targetModules(), names(adaptedPaths));
            case LoraConfig l -> throw new IllegalArgumentException("LoRA configs are written by LoraConfigJson");
            case PromptTuningConfig pt -> throw new IllegalArgumentException("prompt tuning configs are written by PromptConfigJson");
            case PrefixTuningConfig pf -> throw new IllegalArgumentException("prefix tuning configs are written by PromptConfigJson");
        }
        try {
            ObjectNode sorted = JSON.createObjectNode();
            new TreeSet<>(iterable(o)).forEach(k -> sorted.set(k, o.get(k)));
            AtomicFile.writeString(file, JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(sorted));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> iterable(ObjectNode o) {
        List<String> keys = new ArrayList<>();
        o.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /** The last path components of the adapted layers, as PEFT writes an expanded all-linear. */
    private static List<String> names(Set<String> paths) {
        TreeSet<String> out = new TreeSet<>();
        for (String p : paths) out.add(p.substring(p.lastIndexOf('.') + 1));
        return List.copyOf(out);
    }

    private static boolean inOut(CausalLM model, Set<String> paths) {
        for (LinearSlot s : model.linears()) if (paths.contains(s.path()) && s.get().base().layout() == WeightLayout.IN_OUT) return true;
        return false;
    }
}
