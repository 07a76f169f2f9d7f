package dev.tailor.cli;

import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainCommandTest {

    @TempDir Path dir;
    Path model, data;

    @BeforeEach
    void tinyModelAndData() throws Exception {
        model = dir.resolve("model");
        data = dir.resolve("data.jsonl");
        ModelInit.write(ModelInit.create(Presets.config("llama", "tiny", DType.F32), 3), model);
        Files.write(data, List.of("{\"input_ids\": [1, 2, 3, 4, 5], \"labels\": [-100, -100, 3, 4, 5]}",
                "{\"input_ids\": [6, 7, 8], \"labels\": [-100, 7, 8]}", "{\"input_ids\": [9, 10, 11, 12]}"));
    }

    private String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter(), out = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), err.toString(), out.toString()};
    }

    @Test
    void yamlConfigSetsOptionsAndFlagsWin() throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Path out = dir.resolve("out");
        Files.writeString(yaml, "model: " + model + "\ndata: " + data + "\noutput: " + out + "\nmax_steps: 3\nlr: 1e-3\nno-shuffle: true\n");
        String[] r = run("train", "--config", yaml.toString(), "--max-steps", "2", "--model", model.toString(), "--data", data.toString(), "--output", out.toString());
        assertEquals("0", r[0], r[1] + "\n" + r[2]);
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).contains("\"lr\":0.001"), lines.get(0));
        assertTrue(Files.isRegularFile(out.resolve("checkpoint-2/COMPLETE")));
    }

    @Test
    void refusalsAreOneClearLine() throws Exception {
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "learning_rat: 1\n");
        String[] common = {"--model", model.toString(), "--data", data.toString(), "--output", dir.resolve("o").toString()};
        assertEquals("tailor train: " + yaml + ": unknown option 'learning_rat' (see tailor train --help)\n", run(concat(common, "train", "--config", yaml.toString()))[1]);
        assertEquals("tailor train: --method 'lora2' is not available (supported: [full, lora, dora, qlora, prompt, prefix, ptuning-v2, mezo])\n", run(concat(common, "train", "--method", "lora2"))[1]);
        assertEquals("tailor train: --overlong must be truncate or drop, got 'cut'\n", run(concat(common, "train", "--overlong", "cut"))[1]);
        assertEquals("tailor train: --optimizer must be adamw or sgd, got 'adam'\n", run(concat(common, "train", "--optimizer", "adam"))[1]);
        assertEquals("tailor train: --resume: no complete checkpoint in " + dir.resolve("o") + " to continue from\n", run(concat(common, "train", "--resume"))[1]);
        String[] r = run(concat(common, "train", "--format", "alpaca"));
        assertEquals("tailor train: " + data + ": alpaca rows need a tokenizer (tokenizer.json in the model folder or --tokenizer)\n", r[1]);
    }

    /** Each adapter method trains only its adapter, saves it in the PEFT layout, and eval --adapter sees it learn. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"lora", "dora", "qlora"})
    void adapterMethodsSaveAPeftAdapterThatLowersTheLoss(String method) throws Exception {
        Path out = dir.resolve(method);
        String[] r = run("train", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(), "--method", method,
                "--lora-r", "4", "--lr", "1e-2", "--max-steps", "12", "--no-shuffle");
        assertEquals("0", r[0], r[1] + "\n" + r[2]);
        assertTrue(Files.isRegularFile(out.resolve("adapter_config.json")), "PEFT config written");
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")), "PEFT weights written");
        Cli base = Cli.run("eval", "--model", model.toString(), "--data", data.toString(), "--json");
        Cli tuned = Cli.run("eval", "--model", model.toString(), "--adapter", out.toString(), "--data", data.toString(), "--json");
        assertEquals(0, tuned.code(), tuned.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        double before = json.readTree(base.out()).get("loss").asDouble(), after = json.readTree(tuned.out()).get("loss").asDouble();
        assertTrue(after < before - 0.1, method + ": loss " + before + " -> " + after);
    }

    private static String[] concat(String[] tail, String... head) {
        String[] out = new String[head.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }
}
