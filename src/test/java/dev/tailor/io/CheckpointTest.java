package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CheckpointTest {

    @TempDir Path dir;

    static Path golden() throws URISyntaxException {
        return Path.of(CheckpointTest.class.getResource("/golden/llama3-bf16/model").toURI());
    }

    @Test
    void opensShardsAsOneViewAndTracksUse() throws URISyntaxException {
        Checkpoint c = Checkpoint.open(golden());
        // llama3-bf16: 2 layers x 9 tensors + embed + norm, tied head (no lm_head), in 2 shards.
        assertEquals(20, c.names().size());
        assertFalse(c.contains("lm_head.weight"));
        // config: hidden 64, 4 heads of 16, 1 kv head, intermediate 128, vocab 300.
        assertEquals(Shape.of(300, 64), c.tensor("model.embed_tokens.weight", 300, 64).shape());
        Tensor k = c.tensor("model.layers.1.self_attn.k_proj.weight", 16, 64);
        assertEquals(DType.BF16, k.dtype());
        assertTrue(c.file("model.layers.1.self_attn.k_proj.weight").source().endsWith("model-00002-of-00002.safetensors"));
        assertTrue(c.file("model.layers.0.mlp.up_proj.weight").source().endsWith("model-00001-of-00002.safetensors"));
        c.markUsed("model.norm.weight");
        List<String> unused = c.unused();
        assertEquals(17, unused.size());
        assertFalse(unused.contains("model.embed_tokens.weight"));
        assertFalse(unused.contains("model.norm.weight"));
        assertTrue(unused.contains("model.layers.0.mlp.down_proj.weight"));
    }

    @Test
    void refusesMissingTensorsAndWrongShapesByName() throws URISyntaxException {
        Checkpoint c = Checkpoint.open(golden());
        var missing = assertThrows(SafetensorsException.class, () -> c.tensor("lm_head.weight", 300, 64));
        assertEquals(golden() + ": tensor 'lm_head.weight' missing (expected shape [300, 64])", missing.getMessage());
        var shape = assertThrows(SafetensorsException.class, () -> c.tensor("model.norm.weight", 32));
        assertTrue(shape.getMessage().endsWith("model-00002-of-00002.safetensors: tensor 'model.norm.weight' has shape [64], expected [32]"),
                shape.getMessage());
        assertTrue(c.unused().contains("model.norm.weight"), "a refused tensor is not marked used");
    }

    private void copyGolden(Path to, String... skip) throws Exception {
        Files.createDirectories(to);
        try (var files = Files.list(golden())) {
            for (Path p : files.toList()) {
                if (List.of(skip).contains(p.getFileName().toString())) continue;
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void refusesAMissingShardNamingShardAndKey() throws Exception {
        Path d = dir.resolve("m");
        copyGolden(d, "model-00002-of-00002.safetensors");
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(d));
        assertTrue(e.getMessage().startsWith(d.resolve(Checkpoint.INDEX) + ": shard 'model-00002-of-00002.safetensors' (holding weight_map key 'model.layers.1."),
                e.getMessage());
    }

    @Test
    void refusesAnIndexKeyAbsentFromItsShard() throws Exception {
        Path d = dir.resolve("m");
        copyGolden(d);
        Path index = d.resolve(Checkpoint.INDEX);
        Files.writeString(index, Files.readString(index).replace("\"model.norm.weight\"", "\"model.norm.weight\": \"model-00002-of-00002.safetensors\",\n    \"model.ghost.weight\""));
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(d));
        assertEquals(index + ": weight_map puts tensor 'model.ghost.weight' in shard 'model-00002-of-00002.safetensors', which has no such tensor", e.getMessage());
        Files.writeString(index, "{\"weight_map\": {\"a\": 3}}");
        var badValue = assertThrows(SafetensorsException.class, () -> Checkpoint.open(d));
        assertEquals(index + ": weight_map key 'a' is 3, expected a shard file name", badValue.getMessage());
        Files.writeString(index, "{\"weight_map\": {\"a\": \"../x.safetensors\"}}");
        var escape = assertThrows(SafetensorsException.class, () -> Checkpoint.open(d));
        assertTrue(escape.getMessage().contains("'a' names shard '../x.safetensors' outside the folder"), escape.getMessage());
    }

    @Test
    void refusesAFolderWithoutWeights() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        var e = assertThrows(SafetensorsException.class, () -> Checkpoint.open(dir));
        assertEquals(dir + ": expected model.safetensors or model.safetensors.index.json, found [config.json]", e.getMessage());
    }

    private static List<TensorEntry> entries() {
        List<TensorEntry> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            float[] v = new float[10];
            for (int j = 0; j < v.length; j++) v[j] = i * 100 + j;
            out.add(TensorEntry.floats("t" + i, DType.F32, v, 2, 5)); // 40 bytes each
        }
        return out;
    }

    @Test
    void writesShardsAboveTheThresholdAndASingleFileBelowIt() throws IOException {
        Path d = dir.resolve("out");
        // 5 tensors of 40 bytes with at most 100 bytes a shard: [t0 t1] [t2 t3] [t4].
        Checkpoint.write(d, entries(), Map.of("format", "pt"), 100);
        try (var files = Files.list(d)) {
            assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors",
                    "model.safetensors.index.json"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        String index = Files.readString(d.resolve(Checkpoint.INDEX));
        assertTrue(index.contains("\"total_size\" : 200"), index);
        assertTrue(index.contains("\"t3\" : \"model-00002-of-00003.safetensors\""), index);
        Checkpoint c = Checkpoint.open(d);
        assertEquals(List.of("t0", "t1", "t2", "t3", "t4"), c.names());
        assertEquals(402f, c.tensor("t4", 2, 5).get(2));
        assertEquals(Map.of("format", "pt"), c.metadata());

        // Rewriting below the threshold leaves one file and removes the old shards and index.
        Checkpoint.write(d, entries().subList(0, 2), Map.of());
        try (var files = Files.list(d)) {
            assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(List.of("t0", "t1"), Checkpoint.open(d).names());
        assertEquals(List.of("t0", "t1"), Checkpoint.open(d.resolve(Checkpoint.SINGLE)).names(), "a single file opens directly too");
    }

    @Test
    void aTensorLargerThanTheShardLimitGetsItsOwnShard() {
        List<List<TensorEntry>> shards = Checkpoint.split(entries(), 30);
        assertEquals(5, shards.size());
        assertEquals(1, Checkpoint.split(List.of(), 30).size(), "no tensors still makes one (empty) file");
    }
}
