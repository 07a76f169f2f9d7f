package dev.tailor.cli;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.io.SafetensorsFile;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** train --method prompt/prefix/ptuning-v2/mezo end to end, and compare over a few methods. */
class PromptMethodsCommandTest {

    @TempDir Path dir;
    Path model, data;

    @BeforeEach
    void tinyModelAndData() throws Exception {
        model = dir.resolve("model");
        data = dir.resolve("data.jsonl");
        ModelInit.write(ModelInit.create(Presets.config("llama", "tiny", DType.F32), 3), model);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 8; i++) rows.add("{\"input_ids\": [" + (10 + i) + ", 20, 30, 40, 50, 60], \"labels\": [-100, -100, 30, 40, 50, 60]}");
        Files.write(data, rows);
    }

    private String[] run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter(), out = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(out));
        int rc = cl.execute(args);
        return new String[] {String.valueOf(rc), err.toString(), out.toString()};
    }

    /** Each method trains, lowers the training loss over 20 steps, and writes its result in its layout. */
    @Test
    void eachMethodTrainsAndSavesItsLayout() throws Exception {
        String[][] cases = {{"prompt", "3e-2", "PROMPT_TUNING"}, {"prefix", "1e-2", "PREFIX_TUNING"}, {"ptuning-v2", "1e-2", "PREFIX_TUNING"},
                {"mezo", "1e-2", "LORA"}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[0]);
            String[] r = run("train", "--model", model.toString(), "--data", data.toString(), "--output", out.toString(), "--method", c[0],
                    "--max-steps", "20", "--lr", c[1], "--batch-size", "8", "--num-virtual-tokens", "4", "--no-shuffle", "--schedule", "constant");
            assertEquals("0", r[0], c[0] + ": " + r[1]);
            var cfg = new JsonMapper().readTree(out.resolve("adapter_config.json").toFile());
            assertEquals(c[2], cfg.get("peft_type").asText(), c[0]);
            if (!c[0].equals("mezo")) {
                var t = SafetensorsFile.open(out.resolve("adapter_model.safetensors"));
                assertEquals(List.of("prompt_embeddings"), t.names(), c[0]);
                // tiny Llama: C 64, 2 layers, 2 kv heads of 16 -> prefixes (4, 2*2*32)
                int cols = c[0].equals("prompt") ? 64 : 2 * 2 * 32;
                assertArrayEquals(new int[] {4, cols}, t.info("prompt_embeddings").shape().dims(), c[0]);
            }
            List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
            double first = new JsonMapper().readTree(lines.getFirst()).get("loss").asDouble();
            double last = new JsonMapper().readTree(lines.getLast()).get("loss").asDouble();
            assertTrue(last < first, c[0] + ": loss " + first + " -> " + last);
        }
    }

    /** Two methods and one this build does not know: a table with figures, the unknown one marked unavailable. */
    @Test
    void compareTabulatesMethodsInChildJvms() throws Exception {
        Path out = dir.resolve("cmp");
        String[] r = run("compare", "--model", model.toString(), "--data", data.toString(), "--methods", "lora,prompt,no-such-method",
                "--steps", "3", "--output", out.toString(), "--batch-size", "2");
        assertEquals("0", r[0], r[1]);
        String md = Files.readString(out.resolve("comparison.md"));
        assertTrue(md.contains("| no-such-method | - | - | - | - | - | - | unavailable |"), md);
        for (String m : List.of("lora", "prompt")) {
            String line = md.lines().filter(l -> l.startsWith("| " + m + " |")).findFirst().orElseThrow();
            String[] cells = line.split("\\|");
            assertTrue(line.endsWith("| ok |"), line);
            assertTrue(Long.parseLong(cells[2].strip().replace(",", "")) > 0, line);
            assertTrue(Double.parseDouble(cells[4].strip()) > 0, "peak memory: " + line);
            assertTrue(Double.parseDouble(cells[6].strip()) > 0, "eval loss: " + line);
        }
        // prompt tuning with 20 virtual tokens of C 64 = 1,280 trainable parameters
        assertTrue(md.contains("| prompt | 1,280 |"), md);
        assertTrue(Files.size(out.resolve("comparison.png")) > 1000);
    }
}
