package dev.tailor.data.selfinstruct;

import dev.tailor.data.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SeedTaskTest {

    static Path seedFile() {
        try {
            return Path.of(SeedTaskTest.class.getResource("/self_instruct/seed_tasks.jsonl").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void readsThe175SeedTasksOfThePaper() {
        List<SeedTask> tasks = SeedTask.read(seedFile());
        assertEquals(175, tasks.size());
        // 26 of them are classification tasks (counted with Python's json module over the same file)
        assertEquals(26, tasks.stream().filter(SeedTask::isClassification).count());
        SeedTask first = tasks.get(0);
        assertEquals("seed_task_0", first.id());
        assertEquals("breakfast_suggestion", first.name());
        assertEquals("Is there anything I can eat for a breakfast that doesn't include eggs, yet includes protein, and has roughly 700-1000 calories?",
                first.instruction());
        assertEquals(1, first.instances().size());
        assertEquals("", first.instances().get(0).input());
        assertFalse(first.isClassification());
        assertEquals("seed_task_174", tasks.get(174).id());
        assertEquals(seedFile() + ":175", tasks.get(174).where());
        assertEquals("What is the relation between the given pairs?", SeedTask.instructions(tasks).get(1));
    }

    @Test void malformedFilesAreRejectedNamingFileAndLine(@TempDir Path dir) throws IOException {
        String ok = "{\"id\": \"t0\", \"name\": \"n\", \"instruction\": \"Say hi.\", \"instances\": [{\"input\": \"\", \"output\": \"hi\"}], \"is_classification\": false}\n";
        assertBad(dir, "", ": no seed tasks (the file is empty)");
        assertBad(dir, "\n\n", ": no seed tasks (the file is empty)");
        assertBad(dir, ok + "{\"id\": \"t1\",\n", ":2: not valid JSON");
        assertBad(dir, ok + ok.replace("\"instruction\": \"Say hi.\", ", ""), ":2: missing field 'instruction'");
        assertBad(dir, ok.replace("Say hi.", "  "), ":1: field 'instruction' is empty");
        assertBad(dir, ok.replace("[{\"input\": \"\", \"output\": \"hi\"}]", "[]"), ":1: field 'instances' must be a non-empty array");
        assertBad(dir, ok.replace("\"output\": \"hi\"", "\"output\": 3"), ":1: instances[0]: field 'output' must be a string, found 3");
        assertBad(dir, ok.replace("false", "\"no\""), ":1: field 'is_classification' must be true or false, found \"no\"");
        assertBad(dir, ok + "[1, 2]\n", ":2: expected a JSON object");
    }

    private static void assertBad(Path dir, String content, String expected) throws IOException {
        Path f = dir.resolve("seed.jsonl");
        Files.writeString(f, content);
        String msg = assertThrows(DataException.class, () -> SeedTask.read(f)).getMessage();
        String want = f + expected;
        assertEquals(want, msg.substring(0, Math.min(msg.length(), want.length())), msg);
    }
}
