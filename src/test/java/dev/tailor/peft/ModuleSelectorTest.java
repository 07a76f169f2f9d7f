package dev.tailor.peft;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** PEFT's module matching rules, case by case (expected values from PEFT's check_target_module_exists). */
class ModuleSelectorTest {

    static final String Q0 = "model.layers.0.self_attn.q_proj", Q1 = "model.layers.1.self_attn.q_proj", UP1 = "model.layers.1.mlp.up_proj";
    static final String HEAD = "lm_head";

    static boolean sel(Targets t, String path) { return ModuleSelector.selects(t, null, List.of(), List.of(), path, HEAD); }

    @Test
    void namesMatchWholeTrailingComponents() {
        Targets t = new Targets.Names(List.of("q_proj", "self_attn.k_proj"));
        assertTrue(sel(t, Q0));
        assertTrue(sel(t, "model.layers.0.self_attn.k_proj"));
        assertFalse(sel(t, "model.layers.0.cross_attn.k_proj"), "a two-component name needs both components");
        assertFalse(sel(t, "model.layers.0.self_attn.xq_proj"), "a name matches whole components only");
        assertTrue(sel(new Targets.Names(List.of(Q0)), Q0), "a full path is a name too");
    }

    @Test
    void aRegexMustMatchTheWholePath() {
        assertTrue(sel(new Targets.Regex(".*\\.layers\\.1\\..*proj"), Q1));
        assertFalse(sel(new Targets.Regex(".*\\.layers\\.1\\..*proj"), Q0));
        assertFalse(sel(new Targets.Regex("q_proj"), Q0), "fullmatch, not search");
    }

    @Test
    void allLinearLeavesOutTheHead() {
        assertTrue(sel(new Targets.AllLinear(), UP1));
        assertFalse(sel(new Targets.AllLinear(), HEAD));
    }

    @Test
    void layersToTransformNarrowsNamesButNotARegex() {
        Targets names = new Targets.Names(List.of("q_proj"));
        assertFalse(ModuleSelector.selects(names, null, List.of(1), List.of(), Q0, HEAD));
        assertTrue(ModuleSelector.selects(names, null, List.of(1), List.of(), Q1, HEAD));
        assertTrue(ModuleSelector.selects(names, null, List.of(1), List.of("layers"), Q1, HEAD));
        assertFalse(ModuleSelector.selects(names, null, List.of(1), List.of("h"), Q1, HEAD), "the pattern must precede the index");
        assertTrue(ModuleSelector.selects(new Targets.Names(List.of("c_attn")), null, List.of(1), List.of("h"), "transformer.h.1.attn.c_attn", HEAD));
        assertTrue(ModuleSelector.selects(new Targets.Regex(".*q_proj"), null, List.of(1), List.of(), Q0, HEAD), "PEFT ignores layers_to_transform for a regex");
        assertFalse(ModuleSelector.selects(new Targets.AllLinear(), null, List.of(1), List.of(), Q0, HEAD));
        assertFalse(ModuleSelector.selects(names, null, List.of(0), List.of(), "q_proj", HEAD), "a path without an index is left out");
    }

    @Test
    void excludedModulesAreLeftOut() {
        Targets all = new Targets.AllLinear();
        assertFalse(ModuleSelector.selects(all, new Targets.Names(List.of("up_proj")), List.of(), List.of(), UP1, HEAD));
        assertTrue(ModuleSelector.selects(all, new Targets.Names(List.of("up_proj")), List.of(), List.of(), Q1, HEAD));
        assertFalse(ModuleSelector.selects(all, new Targets.Regex(".*layers\\.1\\..*"), List.of(), List.of(), Q1, HEAD));
    }

    @Test
    void layerIndexReadsTheNumberAfterThePattern() {
        assertEquals(12, ModuleSelector.layerIndex("model.layers.12.mlp.up_proj", List.of()));
        assertEquals(3, ModuleSelector.layerIndex("transformer.h.3.mlp.c_fc", List.of("layers", "h")));
        assertNull(ModuleSelector.layerIndex("lm_head", List.of()));
    }

    @Test
    void rankAndAlphaPatternsPickPerModuleValues() {
        LoraConfig c = new LoraConfig(8, 16, 0, false, false, LoraConfig.Bias.NONE, new Targets.AllLinear(), null, List.of(), List.of(), List.of(),
                java.util.Map.of("q_proj", 4), java.util.Map.of("layers\\.1\\.mlp\\.up_proj", 2.0), LoraConfig.Init.KAIMING, 1);
        assertEquals(4, c.rankFor(Q0));
        assertEquals(8, c.rankFor(UP1));
        assertEquals(16.0 / 4, c.scaleFor(Q0), 0);
        assertEquals(2.0 / 8, c.scaleFor(UP1), 0);
        assertEquals((float) (16 / Math.sqrt(4)), c.withRslora(true).scaleFor(Q0), 0);
    }
}
