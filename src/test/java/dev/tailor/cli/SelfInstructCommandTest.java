package dev.tailor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code tailor self-instruct} on a tiny random model: its text is noise, so few candidates
 * survive, but the loop must run its requests, write a file and account for every candidate.
 */
class SelfInstructCommandTest {

    @TempDir static Path shared;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TinyDemoModel.write(shared.resolve("model"), 25f);
    }

    static Path seedFile(Path dir, int n) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder();
        List<String> instructions = List.of("Give three tips for staying healthy.", "Explain why the sky is blue.",
                "Summarize the following text in one sentence.", "Convert the temperature from Celsius to Fahrenheit.", "Write a haiku about autumn leaves.",
                "List five fruits that are red.", "Classify the sentiment of the review as positive or negative.", "Suggest a name for a new coffee shop.");
        for (int i = 0; i < n; i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", "seed_task_" + i);
            t.put("name", "task_" + i);
            t.put("instruction", instructions.get(i % instructions.size()) + (i >= instructions.size() ? " Be brief." : ""));
            t.put("instances", List.of(Map.of("input", "", "output", "Answer " + i + ".")));
            t.put("is_classification", false);
            b.append(json.writeValueAsString(t)).append('\n');
        }
        Path f = dir.resolve("seeds.jsonl");
        Files.writeString(f, b);
        return f;
    }

    static int count(String out, String label) {
        Matcher m = Pattern.compile("(?m)^  " + Pattern.quote(label) + "\\s+(\\d+)$").matcher(out);
        assertTrue(m.find(), "no line '" + label + "' in\n" + out);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void runsTheLoopWritesTheFileAndReportsEveryFilter(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("generated.jsonl");
        Cli r = Cli.run("self-instruct", "--model", model.toString(), "--seed-tasks", seedFile(tmp, 8).toString(), "--num", "3",
                "--output", out.toString(), "--max-requests", "3", "--max-new-tokens", "24", "--seed", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(out));
        List<String> rows = Files.readAllLines(out);
        Matcher m = Pattern.compile("(\\d+) instruction prompts sent, (\\d+) rows written").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertEquals(rows.size(), Integer.parseInt(m.group(2)));
        assertEquals(rows.size() == 3 ? Integer.parseInt(m.group(1)) : 3, Integer.parseInt(m.group(1)), "all requests are used unless --num was reached");
        for (String label : List.of("too short (< 4 words)", "too long (> 150 words)", "banned keyword", "banned prefix", "starts with punctuation",
                "starts with non-ASCII", "duplicate", "ROUGE-L > 0.70", "prompt too long", "truncated", "empty output", "input equals output", "ends with colon")) {
            count(r.out(), label);
        }
        // Every candidate that passed the instruction filters either became a row or was dropped at the input/output stage.
        Matcher passed = Pattern.compile("instruction candidates: (\\d+) passed the filters").matcher(r.out());
        assertTrue(passed.find(), r.out());
        int dropped = count(r.out(), "prompt too long") + count(r.out(), "truncated") + count(r.out(), "empty output")
                + count(r.out(), "input equals output") + count(r.out(), "ends with colon");
        assertEquals(Integer.parseInt(passed.group(1)), rows.size() + dropped);
        for (String row : rows) assertEquals(List.of("instruction", "input", "output"), fieldNames(row));
    }

    private static List<String> fieldNames(String row) throws IOException {
        List<String> names = new java.util.ArrayList<>();
        new ObjectMapper().readTree(row).fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void emptyMalformedAndTooSmallSeedFilesAreRefusedByFileAndRow(@TempDir Path tmp) throws Exception {
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "");
        Cli r = Cli.run("self-instruct", "--model", model.toString(), "--seed-tasks", empty.toString(), "--num", "1", "--output", tmp.resolve("o.jsonl").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(empty + ": no seed tasks (the file is empty)"), r.err());

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, Files.readAllLines(seedFile(tmp, 2)).getFirst() + "\n{\"id\": \"x\", \"name\": \"y\", \"instruction\": \"Do it.\", \"instances\": [], \"is_classification\": false}\n");
        r = Cli.run("self-instruct", "--model", model.toString(), "--seed-tasks", bad.toString(), "--num", "1", "--output", tmp.resolve("o.jsonl").toString());
        assertTrue(r.err().contains(bad + ":2: field 'instances' must be a non-empty array"), r.err());

        Path few = seedFile(tmp, 5);
        r = Cli.run("self-instruct", "--model", model.toString(), "--seed-tasks", few.toString(), "--num", "1", "--output", tmp.resolve("o.jsonl").toString());
        assertTrue(r.err().contains(few + ": 5 seed task(s), but each instruction prompt lists 8"), r.err());
        assertFalse(Files.exists(tmp.resolve("o.jsonl")));
    }
}
