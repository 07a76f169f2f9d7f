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
        assertEquals("tailor train: --method 'lora2' is not available (supported: [full, lora, dora, qlora, adapter, ia3, bitfit, freeze, hft, prompt, prefix, ptuning-v2, mezo])\n", run(concat(common, "train", "--method", "lora2"))[1]);
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

    /**
     * The methods beside LoRA each lower the loss of the tiny Llama on its rows in 12 steps. The
     * adapter methods save adapter_config.json + adapter_model.safetensors (eval --adapter reads
     * them); freeze and hft train the base in place and save a full model folder. BitFit needs
     * biases, so it trains the tiny Qwen2 (q/k/v biases).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "adapter|--lr 1e-2 --adapter-size 8",
            "adapter|--lr 1e-2 --adapter-type pfeiffer --adapter-size 8",
            "ia3|--lr 1e-1",
            "bitfit|--lr 1e-1",
            "freeze|--lr 1e-2 --freeze-trainable-layers 1",
            "hft|--lr 1e-2 --hft-round-steps 4",
            "full|--lr 1e-2 --noisytune 0.1"})
    void otherMethodsLowerTheLoss(String method, String extra) throws Exception {
        Path base = model;
        if (method.equals("bitfit")) {
            base = dir.resolve("qwen2");
            ModelInit.write(ModelInit.create(Presets.config("qwen2", "tiny", DType.F32), 3), base);
        }
        Path out = dir.resolve(method + extra.hashCode());
        List<String> args = new java.util.ArrayList<>(List.of("train", "--model", base.toString(), "--data", data.toString(), "--output", out.toString(),
                "--method", method, "--max-steps", "12", "--no-shuffle"));
        args.addAll(List.of(extra.split(" ")));
        String[] r = run(args.toArray(String[]::new));
        assertEquals("0", r[0], r[1] + "\n" + r[2]);
        boolean adapter = List.of("adapter", "ia3", "bitfit").contains(method);
        assertEquals(adapter, Files.isRegularFile(out.resolve("adapter_config.json")), method + ": adapter files iff an adapter method");
        Cli before = Cli.run("eval", "--model", base.toString(), "--data", data.toString(), "--json");
        Cli after = adapter ? Cli.run("eval", "--model", base.toString(), "--adapter", out.toString(), "--data", data.toString(), "--json")
                : Cli.run("eval", "--model", out.toString(), "--data", data.toString(), "--json");
        assertEquals(0, after.code(), after.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        double b = json.readTree(before.out()).get("loss").asDouble(), a = json.readTree(after.out()).get("loss").asDouble();
        assertTrue(a < b - 0.1, method + " " + extra + ": loss " + b + " -> " + a);
    }

    @Test
    void methodRefusalsNameTheCause() {
        String[] common = {"--model", model.toString(), "--data", data.toString(), "--output", dir.resolve("o").toString(), "--max-steps", "1"};
        assertEquals("tailor train: BitFit trains bias terms, but no linear layer selected by AllLinear[] in this llama model has a bias "
                + "(config.json: attention_bias = false, mlp_bias = false); use a model with biases (e.g. Qwen2, GPT-2) or another method\n",
                run(concat(common, "train", "--method", "bitfit"))[1]);
        assertTrue(run(concat(common, "train", "--method", "lora", "--noisytune", "0.1"))[1].startsWith(
                "tailor train: --noisytune perturbs the pretrained weights a method trains; --method lora trains only new tensors"));
        assertEquals("tailor train: --freeze-trainable-modules 'mlpp' matches no module inside blocks 1..1; the modules of a block are "
                + "[self_attn.q_proj, self_attn.k_proj, self_attn.v_proj, self_attn.o_proj, mlp.gate_proj, mlp.up_proj, mlp.down_proj, input_layernorm, post_attention_layernorm]\n",
                run(concat(common, "train", "--method", "freeze", "--freeze-trainable-layers", "1", "--freeze-trainable-modules", "mlpp"))[1]);
        assertEquals("tailor train: adapter nonlinearity must be relu, gelu (tanh approximation) or silu, got 'tanh'\n",
                run(concat(common, "train", "--method", "adapter", "--adapter-nonlinearity", "tanh"))[1]);
    }

    private static String[] concat(String[] tail, String... head) {
        String[] out = new String[head.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }
}
