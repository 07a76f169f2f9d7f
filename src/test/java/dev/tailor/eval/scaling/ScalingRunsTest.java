package dev.tailor.eval.scaling;

import dev.tailor.data.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScalingRunsTest {

    @TempDir Path dir;

    Path file(String content) throws IOException {
        Path f = dir.resolve("runs.jsonl");
        Files.writeString(f, content);
        return f;
    }

    @Test void readsRunsWithAndWithoutMethod() throws IOException {
        Path f = file("""
                {"x": 1e9, "d": 1000, "loss": 2.5, "method": "lora"}
                {"x": 2e9, "d": 1000, "loss": 2.3, "method": "lora"}

                {"x": 1e9, "d": 4000, "loss": 2.2, "method": "lora"}
                {"x": 2e9, "d": 4000, "loss": 2.0}
                """);
        List<ScalingRuns.Run> runs = ScalingRuns.read(f);
        assertEquals(4, runs.size());
        assertEquals(new ScalingRuns.Run(1e9, 4000, 2.2, "lora", 4), runs.get(2));
        assertEquals(ScalingRuns.NO_METHOD, runs.get(3).method());
        // grouped by method, "lora" has 3 runs and the unnamed group 1: too few to fit either
        var e = assertThrows(DataException.class, () -> ScalingRuns.byMethod(runs, f));
        assertEquals(f + " (method 'lora'): 3 run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least 4 (one per parameter)", e.getMessage());
    }

    @Test void tooFewRunsNamesTheFileAndCount() throws IOException {
        Path f = file("{\"x\": 1, \"d\": 2, \"loss\": 3}\n{\"x\": 2, \"d\": 2, \"loss\": 2}\n{\"x\": 2, \"d\": 4, \"loss\": 1}\n");
        var e = assertThrows(DataException.class, () -> ScalingRuns.read(f));
        assertEquals(f + ": 3 run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least 4 (one per parameter)", e.getMessage());
        Path empty = file("");
        assertEquals(empty + ": 0 run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least 4 (one per parameter)",
                assertThrows(DataException.class, () -> ScalingRuns.read(empty)).getMessage());
    }

    @Test void badRowsNameFileAndLine() throws IOException {
        String good = "{\"x\": 1, \"d\": 2, \"loss\": 3}\n";
        assertBad(good + "{\"x\": -1, \"d\": 2, \"loss\": 3}\n", ":2: field 'x' must be a positive number, found -1");
        assertBad(good + good + "{\"x\": 1, \"loss\": 3}\n", ":3: missing field 'd'");
        assertBad(good + "{\"x\": 1, \"d\": 2, \"loss\": \"low\"}\n", ":2: field 'loss' must be a finite number, found \"low\"");
        assertBad(good + "{\"x\": 1, \"d\": 2, \"loss\": 3, \"method\": 5}\n", ":2: field 'method' must be a string, found number");
        assertBad(good + "{\"x\": 1, \"d\": 2,\n", ":2: not valid JSON");
    }

    private void assertBad(String content, String expected) throws IOException {
        Path f = file(content);
        var e = assertThrows(DataException.class, () -> ScalingRuns.read(f));
        String msg = e.getMessage();
        assertEquals(f + expected, msg.substring(0, Math.min(msg.length(), (f + expected).length())), msg);
    }
}
