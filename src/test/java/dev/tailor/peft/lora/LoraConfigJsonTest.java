package dev.tailor.peft.lora;

import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** adapter_config.json as PEFT writes it: the fixtures' files, newer keys, refusals, and a round trip. */
class LoraConfigJsonTest {

    static Path write(Path dir, String json) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), json);
        return dir.resolve("adapter_config.json");
    }

    static final String BASE = """
            {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "v_proj"]%s}""";

    @Test
    void readsTheFixtureConfigs() {
        LoraConfig lora = LoraConfigJson.read(dev.tailor.models.Golden.fixture("llama").resolve("lora/adapter_config.json"));
        assertEquals(4, lora.r());
        assertEquals(8.0, lora.loraAlpha());
        assertEquals(new Targets.Names(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")), lora.targetModules());
        assertFalse(lora.useDora());
        assertEquals(LoraConfig.Bias.NONE, lora.bias());
        assertEquals(2.0f, lora.scaleFor("model.layers.0.self_attn.q_proj"));
        assertTrue(LoraConfigJson.read(dev.tailor.models.Golden.fixture("llama").resolve("dora/adapter_config.json")).useDora());
        assertEquals(new Targets.Names(List.of("c_attn", "c_proj", "c_fc")),
                ((LoraConfig) Adapters.readConfig(dev.tailor.models.Golden.fixture("gpt2").resolve("lora"))).targetModules());
    }

    @Test
    void unknownNewerKeysAreReportedAndIgnored(@TempDir Path dir) throws IOException {
        Path f = write(dir, BASE.formatted(", \"some_future_option\": {\"x\": 1}, \"lora_bias\": false, \"layer_replication\": null"));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        LoraConfig c;
        try {
            c = LoraConfigJson.read(f);
        } finally {
            System.setErr(err);
        }
        assertEquals(4, c.r());
        String warned = captured.toString();
        assertTrue(warned.contains("some_future_option"), "the unknown key is named: " + warned);
        assertFalse(warned.contains("lora_bias"), "known keys at their default value are silent: " + warned);
    }

    @Test
    void featuresThatChangeTheOutputAreRefusedUnlessUnset(@TempDir Path dir) throws IOException {
        Path f = write(dir, BASE.formatted(", \"lora_bias\": true"));
        var e = assertThrows(IllegalArgumentException.class, () -> LoraConfigJson.read(f));
        assertTrue(e.getMessage().contains("'lora_bias'"), e.getMessage());
        Path g = write(dir, BASE.formatted(", \"init_lora_weights\": \"pissa\""));
        e = assertThrows(IllegalArgumentException.class, () -> LoraConfigJson.read(g));
        assertTrue(e.getMessage().contains("init_lora_weights") && e.getMessage().contains("PiSSA"), e.getMessage());
        Path h = write(dir, BASE.formatted(", \"r\": \"four\""));
        e = assertThrows(IllegalArgumentException.class, () -> LoraConfigJson.read(h));
        assertTrue(e.getMessage().contains("'r'") && e.getMessage().contains("adapter_config.json"), e.getMessage());
        Path i = write(dir, "{\"peft_type\": \"VERA\", \"target_modules\": [\"k_proj\"]}");
        e = assertThrows(IllegalArgumentException.class, () -> Adapters.readConfig(dir));
        assertTrue(e.getMessage().contains("VERA") && e.getMessage().contains(i.getFileName().toString()), e.getMessage());
    }

    @Test
    void targetModulesTakeEveryPeftForm(@TempDir Path dir) throws IOException {
        String regex = "{\"peft_type\": \"LORA\", \"target_modules\": \".*\\\\.(q|v)_proj\", \"layers_to_transform\": 1, \"layers_pattern\": \"layers\"}";
        LoraConfig c = LoraConfigJson.read(write(dir, regex));
        assertEquals(new Targets.Regex(".*\\.(q|v)_proj"), c.targetModules());
        assertEquals(List.of(1), c.layersToTransform());
        assertEquals(List.of("layers"), c.layersPattern());
        assertEquals(8, c.r(), "PEFT's default r");
        LoraConfig all = LoraConfigJson.read(write(dir, "{\"peft_type\": \"LORA\", \"target_modules\": \"all-linear\"}"));
        assertEquals(new Targets.AllLinear(), all.targetModules());
    }

    @Test
    void writesWhatItReads(@TempDir Path dir) {
        LoraConfig c = new LoraConfig(16, 32, 0.05, true, true, LoraConfig.Bias.LORA_ONLY, new Targets.Names(List.of("q_proj", "up_proj")),
                new Targets.Regex(".*layers\\.0\\..*"), List.of(0, 2), List.of("layers"), List.of("lm_head"), Map.of("q_proj", 8),
                Map.of("up_proj", 4.0), LoraConfig.Init.GAUSSIAN, 1);
        Path f = dir.resolve("adapter_config.json");
        LoraConfigJson.write(f, c, List.of("q_proj", "up_proj"), false);
        assertEquals(c, LoraConfigJson.read(f));
        LoraConfig all = LoraConfig.of(4, 8, new Targets.AllLinear());
        LoraConfigJson.write(f, all, List.of("up_proj", "q_proj", "up_proj"), false);
        assertEquals(new Targets.Names(List.of("q_proj", "up_proj")), LoraConfigJson.read(f).targetModules(),
                "all-linear is saved as the names it selected, as PEFT saves it");
    }
}
