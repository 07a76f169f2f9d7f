package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code tailor scaling sweep} on a tiny Llama (vocab 4096, hidden 64, intermediate 172, 2 layers,
 * 4 heads, 2 KV heads) over demo chat rows, then {@code scaling fit} on what it wrote.
 */
class ScalingSweepCommandTest {

    @TempDir static Path shared;
    static Path model, data;

    @BeforeAll
    static void setUp() throws IOException {
        model = TinyDemoModel.write(shared.resolve("model"), 1f);
        List<String> rows = new ArrayList<>();
        try (InputStream in = ScalingSweepCommandTest.class.getResourceAsStream("/demo/train.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (rows.size() < 24) rows.add(line);
            }
        }
        data = shared.resolve("train.jsonl");
        Files.write(data, rows);
    }

    /**
     * LoRA r=16 on every linear layer adds r·(in + out) per layer: q 64→64, k 64→32, v 64→32, o 64→64,
     * gate 64→172, up 64→172, down 172→64 is 16·(128 + 96 + 96 + 128 + 236·3) = 18,496 per block, two blocks.
     */
    static final long LORA_PARAMS = 2 * 18_496;
    /**
     * Full fine-tuning trains every weight: the embedding 4096·64 (the head is tied to it), per block
     * q 64·64, k 64·32, v 64·32, o 64·64, gate/up/down 3·64·172, two RMSNorms of 64; a final norm of 64.
     */
    static final long FULL_PARAMS = 4096L * 64 + 2 * (64 * 64 + 64 * 32 + 64 * 32 + 64 * 64 + 3 * 64 * 172 + 2 * 64) + 64;

    @Test
    void sweepsTheGridAndScalingFitAcceptsTheRunsButNotFewerThanFour(@TempDir Path tmp) throws Exception {
        Path runs = tmp.resolve("runs.jsonl");
        Cli r = Cli.run("scaling", "sweep", "--model", model.toString(), "--data", data.toString(), "--sizes", "2,4",
                "--methods", "lora,full", "--eval-rows", "2", "--batch-size", "2", "--lr", "1e-3", "--output", runs.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(runs);
        assertEquals(4, lines.size());
        ObjectMapper json = new ObjectMapper();
        long[] x = {LORA_PARAMS, LORA_PARAMS, FULL_PARAMS, FULL_PARAMS};
        int[] d = {2, 4, 2, 4};
        String[] method = {"lora", "lora", "full", "full"};
        for (int i = 0; i < 4; i++) {
            JsonNode run = json.readTree(lines.get(i));
            assertEquals(x[i], run.get("x").asDouble(), 0.0);
            assertEquals(d[i], run.get("d").asDouble(), 0.0);
            assertEquals(d[i], run.get("rows").asInt());
            assertEquals(method[i], run.get("train_method").asText());
            assertEquals(d[i] / 2, run.get("steps").asInt()); // one epoch at batch 2
            assertTrue(Double.isFinite(run.get("loss").asDouble()) && run.get("loss").asDouble() > 0, lines.get(i));
            assertFalse(run.has("method"), "a 'method' key would split the fit into groups of 2 runs");
        }
        assertTrue(r.out().contains("wrote 4 runs to " + runs), r.out());
        assertEquals(List.of(), leftovers(tmp), "the temporary run folders are removed");

        Cli fit = Cli.run("scaling", "fit", "--runs", runs.toString());
        assertEquals(0, fit.code(), fit.err());
        assertTrue(fit.out().contains("fitted to 4 runs"), fit.out());

        Path three = tmp.resolve("three.jsonl");
        Files.write(three, lines.subList(0, 3));
        fit = Cli.run("scaling", "fit", "--runs", three.toString());
        assertEquals(1, fit.code());
        assertTrue(fit.err().contains(three + ": 3 run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least 4"), fit.err());
    }

    @Test
    void aGridThatCannotBeFittedIsRefusedBeforeTraining(@TempDir Path tmp) {
        Path runs = tmp.resolve("runs.jsonl");
        Cli r = Cli.run("scaling", "sweep", "--model", model.toString(), "--data", data.toString(), "--sizes", "4,8,16",
                "--methods", "lora", "--output", runs.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("a grid of 3 size(s) x 1 method(s) gives 3 run(s); fitting L = A·X^-alpha·D^-beta + E needs at least 4 runs, "
                + "2 data sizes (for beta) and 2 methods"), r.err());
        assertFalse(Files.exists(runs));

        r = Cli.run("scaling", "sweep", "--model", model.toString(), "--data", data.toString(), "--sizes", "4,30",
                "--methods", "lora,full", "--eval-rows", "4", "--output", runs.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--sizes asks for 30 training rows but only 20 are available"), r.err());
    }

    private static List<Path> leftovers(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(".sweep-")).toList();
        }
    }
}
