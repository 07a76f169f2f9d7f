package dev.tailor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code tailor eval} on the golden fixtures: the loss over pre-tokenised rows must equal the
 * reference loss of the same batch (mean over all counted tokens of both rows), to 1e-5 relative.
 */
class EvalCommandTest {

    static Path fixture(String name) throws Exception {
        return Path.of(EvalCommandTest.class.getResource("/golden/" + name + "/golden.safetensors").toURI()).getParent();
    }

    /** Writes the golden batch as JSONL rows {"input_ids": [...], "labels": [...]}. */
    static Path goldenRows(Path dir, Path tmp) throws IOException {
        SafetensorsFile golden = SafetensorsFile.open(dir.resolve("golden.safetensors"));
        long[] ids = golden.longs("input_ids"), labels = golden.longs("labels");
        int b = golden.info("input_ids").shape().dim(0), t = golden.info("input_ids").shape().dim(1);
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < b; r++) {
            sb.append(json.writeValueAsString(Map.of(
                    "input_ids", Arrays.copyOfRange(ids, r * t, (r + 1) * t),
                    "labels", Arrays.copyOfRange(labels, r * t, (r + 1) * t)))).append('\n');
        }
        Path file = tmp.resolve("rows.jsonl");
        Files.writeString(file, sb);
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2-hubkeys", "llama3-bf16"})
    void lossOfPreTokenisedRowsEqualsTheReference(String name, @TempDir Path tmp) throws Exception {
        Path dir = fixture(name);
        Cli r = Cli.run("eval", "--model", dir.resolve("model").toString(), "--data", goldenRows(dir, tmp).toString(), "--json");
        assertEquals(0, r.code(), r.err());
        var out = new ObjectMapper().readTree(r.out());
        float expected = SafetensorsFile.open(dir.resolve("golden.safetensors")).floats("loss")[0];
        assertEquals(expected, out.get("loss").asDouble(), 1e-5 * expected);
        assertEquals(Math.exp(out.get("loss").asDouble()), out.get("perplexity").asDouble(), 1e-3);
        // Row 0 masks its first 5 labels, row 1 its first 9; after the shift 17-5 and 17-9 labels count.
        assertEquals((17 - 5) + (17 - 9), out.get("tokens").asInt());
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora", "dora"})
    void anAdapterAppliedUnmergedGivesTheReferenceAdapterLoss(String method, @TempDir Path tmp) throws Exception {
        Path dir = fixture("qwen2");
        Cli r = Cli.run("eval", "--model", dir.resolve("model").toString(), "--adapter", dir.resolve(method).toString(),
                "--data", goldenRows(dir, tmp).toString(), "--json");
        assertEquals(0, r.code(), r.err());
        float expected = SafetensorsFile.open(dir.resolve("golden.safetensors")).floats(method + ".loss")[0];
        assertEquals(expected, new ObjectMapper().readTree(r.out()).get("loss").asDouble(), 1e-5 * expected);
    }

    @Test
    void aRowWithNeitherTextNorIdsIsRefusedWithFileAndLine(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"input_ids\": [1, 2, 3]}\n\n{\"prompt\": \"hi\"}\n");
        Cli r = Cli.run("eval", "--model", fixture("llama").resolve("model").toString(), "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(data + ":3: expected a field 'text' or 'input_ids', found [prompt]"), r.err());
    }

    @Test
    void malformedJsonAndNonIntegerIdsAreRefused(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"input_ids\": [1, 2.5]}\n");
        Cli r = Cli.run("eval", "--model", fixture("llama").resolve("model").toString(), "--data", data.toString());
        assertTrue(r.err().contains(data + ":1: field 'input_ids' element 1 is not an integer: 2.5"), r.err());
        Files.writeString(data, "{\"input_ids\": [1, 2]\n");
        r = Cli.run("eval", "--model", fixture("llama").resolve("model").toString(), "--data", data.toString());
        assertTrue(r.err().contains(data + ":1: not valid JSON"), r.err());
    }

    @Test
    void textRowsWithoutATokenizerAreRefusedInOneLineWithoutTheExceptionClass(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("text.jsonl"), model = fixture("llama").resolve("model");
        assertFalse(Files.exists(model.resolve("tokenizer.json")), "the case needs a model folder without a tokenizer");
        Files.writeString(data, "{\"text\": \"Once upon a time\"}\n");
        Cli r = Cli.run("eval", "--model", model.toString(), "--data", data.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("tailor eval: tokenizer folder " + model + " has no tokenizer.json"), r.err());
        assertFalse(r.err().contains("java.io.IOException"), r.err());
    }
}
