package dev.tailor.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.TextGenerator;
import dev.tailor.generate.TokenListener;
import dev.tailor.eval.InstructionTask;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tailor demo} end to end on a small random model with the demo tokenizer, a few steps. */
class DemoCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path demoTokenizer() throws URISyntaxException {
        return Path.of(DemoCommandTest.class.getResource("/demo/tokenizer/tokenizer.json").toURI()).getParent();
    }

    @Test
    void missingBaseModelIsNamedWithTheFix(@TempDir Path dir) {
        String home = System.getProperty("tailor.home");
        System.setProperty("tailor.home", dir.toString());
        try {
            Cli r = Cli.run("demo", "--output", dir.resolve("out").toString());
            assertEquals(1, r.code());
            assertTrue(r.err().contains("no base model in " + dir.resolve("demo/base")) && r.err().contains("--model DIR"), r.err());
        } finally {
            if (home == null) System.clearProperty("tailor.home");
            else System.setProperty("tailor.home", home);
        }
    }

    @Tag("slow") // about a minute on 2 cores: two measurements of 200 prompts and 3 training steps
    @Test
    void runsToTheEndAndLeavesReportAdapterMetricsAndCurve(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("base"), out = dir.resolve("run");
        Cli init = Cli.run("init-model", "--arch", "llama", "--preset", "tiny", "--tokenizer", demoTokenizer().toString(), "--output", model.toString());
        assertEquals(0, init.code(), init.err());

        Cli r = Cli.run("demo", "--model", model.toString(), "--steps", "3", "--batch-size", "4", "--output", out.toString());
        assertEquals(0, r.code(), r.err());

        // the printed report: the table with every task, held-out and seen words, the samples, the files
        String text = r.out();
        assertTrue(text.contains("3 steps of 4 rows"), text);
        for (String label : List.of("eval loss", "complying answers", "  held-out words", "  seen words")) assertTrue(text.contains("\n" + label + " "), label);
        for (InstructionTask t : InstructionTask.values()) assertTrue(text.contains("\n  " + t.id() + " "), t.id());
        assertTrue(text.contains("/200 ("), text);
        assertTrue(text.contains("Sample answers"), text);
        assertTrue(text.contains("The whole demo took"), text);
        assertEquals(text.substring(1, text.indexOf("The whole demo took")), Files.readString(out.resolve("demo-report.txt")));

        // the trainer's files: the adapter in the PEFT layout, one metrics line per step, the curve
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
        assertEquals("LORA", JSON.readTree(out.resolve("adapter_config.json").toFile()).get("peft_type").asText());
        List<String> metrics = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(3, metrics.stream().filter(l -> l.contains("\"loss\"")).count(), String.join("\n", metrics));
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"eval_loss\"")));
        byte[] png = Files.readAllBytes(out.resolve("loss.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

        // the JSON report agrees with itself: 200 rows, 40 per task, 100 held out
        JsonNode j = JSON.readTree(out.resolve("demo-report.json").toFile());
        for (String side : List.of("before", "after")) {
            assertEquals(200, j.at("/" + side + "/complying/total").asInt());
            int sum = 0;
            for (InstructionTask t : InstructionTask.values()) {
                assertEquals(40, j.at("/" + side + "/by_task/" + t.id() + "/total").asInt());
                sum += j.at("/" + side + "/by_task/" + t.id() + "/passed").asInt();
            }
            assertEquals(j.at("/" + side + "/complying/passed").asInt(), sum);
            assertEquals(100, j.at("/" + side + "/held_out_words/total").asInt());
            assertTrue(Double.isFinite(j.at("/" + side + "/eval_loss").asDouble()));
        }
        assertEquals(5, j.get("samples").size());

        // the answers were given by the base model and by the saved adapter: generation elsewhere reproduces them
        List<String> answers = Files.readAllLines(out.resolve("answers.jsonl"));
        assertEquals(200, answers.size());
        checkAnswers(model, null, answers, "base");
        checkAnswers(model, out, answers, "fine_tuned");
    }

    /** The first rows' recorded answers equal what `generate --chat` would say, with the same model and adapter. */
    private static void checkAnswers(Path model, Path adapter, List<String> answers, String field) throws IOException {
        try (TextGenerator gen = TextGenerator.open(model, adapter)) {
            for (String line : answers.subList(0, 3)) {
                JsonNode row = JSON.readTree(line);
                int[] ids = gen.encodeChat(List.of(Map.of("role", "user", "content", row.get("prompt").asText())));
                String text = gen.generate(ids, 8, SamplingConfig.greedy(), List.of(), TokenListener.NONE).generations().getFirst().text();
                assertEquals(row.get(field).asText(), text, field + " answer to " + row.get("prompt"));
            }
        }
    }
}
