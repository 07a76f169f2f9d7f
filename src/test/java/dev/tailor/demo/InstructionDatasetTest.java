package dev.tailor.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.eval.Compliance;
import dev.tailor.eval.InstructionCase;
import dev.tailor.eval.InstructionTask;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The committed demo data is what the generator makes, and it has the promised shape. */
class InstructionDatasetTest {

    private static String corpus;
    private static List<InstructionCase> train;
    private static List<InstructionCase> eval;
    private static Path demo;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        try (InputStream in = new GZIPInputStream(InstructionDatasetTest.class.getResourceAsStream("/demo/tinyshakespeare.txt.gz"))) {
            corpus = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        demo = Path.of(InstructionDatasetTest.class.getResource("/demo/train.jsonl").toURI()).getParent();
        train = InstructionCase.read(demo.resolve("train.jsonl"));
        eval = InstructionCase.read(demo.resolve("eval.jsonl"));
    }

    @Test
    void committedFilesAreWhatTheGeneratorMakes() throws IOException {
        InstructionDataset.Generated g = InstructionDataset.generate(corpus, InstructionDataset.SEED);
        assertEquals(g.train(), Files.readString(demo.resolve("train.jsonl")), "train.jsonl is stale: regenerate it");
        assertEquals(g.eval(), Files.readString(demo.resolve("eval.jsonl")), "eval.jsonl is stale: regenerate it");
        assertEquals(g, InstructionDataset.generate(corpus, InstructionDataset.SEED));
        assertFalse(g.train().equals(InstructionDataset.generate(corpus, InstructionDataset.SEED + 1).train()));
    }

    @Test
    void commonWordsAreTheCorpusMostFrequentLowercaseWords() {
        // counted outside Java with grep -oP "(?<![A-Za-z'])[a-z]{3,8}(?![A-Za-z'])" | sort | uniq -c:
        // the 5441, and 3763, you 2813, that 1934, not 1901, with 1573
        assertEquals(List.of("the", "and", "you", "that", "not", "with"), InstructionDataset.commonWords(corpus, 6));
        // "'tis" occurs 205 times, always after an apostrophe, which rules a word out
        List<String> all = InstructionDataset.commonWords(corpus, InstructionDataset.WORDS);
        assertFalse(all.contains("tis"));
        for (String w : all) assertTrue(w.matches("[a-z]{3,8}"), w);
    }

    @Test
    void sizesAndTaskBalance() {
        assertEquals(2000, train.size());
        assertEquals(200, eval.size());
        Map<InstructionTask, Integer> perTask = new EnumMap<>(InstructionTask.class);
        for (InstructionCase c : train) perTask.merge(c.task(), 1, Integer::sum);
        for (InstructionTask t : InstructionTask.values()) assertEquals(400, perTask.get(t), t.id());
        assertEquals(100, eval.stream().filter(InstructionCase::heldOut).count());
    }

    @Test
    void heldOutWordsNeverAppearInTraining() {
        Set<String> trainWords = new HashSet<>();
        train.forEach(c -> trainWords.addAll(c.words()));
        for (InstructionCase c : eval) {
            for (String w : c.words()) assertEquals(c.heldOut(), !trainWords.contains(w), c.where() + " word " + w);
        }
    }

    @Test
    void evaluationInstructionsAreNewAndUnique() {
        Set<String> trainPrompts = new HashSet<>();
        train.forEach(c -> trainPrompts.add(c.prompt().getLast().get("content")));
        Set<String> evalPrompts = new HashSet<>();
        for (InstructionCase c : eval) {
            String p = c.prompt().getLast().get("content");
            assertFalse(trainPrompts.contains(p), c.where() + " is also a training instruction: " + p);
            assertTrue(evalPrompts.add(p), c.where() + " repeats " + p);
        }
    }

    /** Each row's own assistant message complies, and its instruction is the task's template. */
    @Test
    void everyStoredAnswerComplies() throws IOException {
        for (Path file : List.of(demo.resolve("train.jsonl"), demo.resolve("eval.jsonl"))) {
            List<String> lines = Files.readAllLines(file);
            List<InstructionCase> cases = file.endsWith("train.jsonl") ? train : eval;
            for (int i = 0; i < cases.size(); i++) {
                InstructionCase c = cases.get(i);
                assertEquals(c.task().prompt(c.words()), c.prompt().getLast().get("content"), c.where());
                String answer = lines.get(i).replaceAll(".*\"role\":\"assistant\",\"content\":\"([^\"]*)\".*", "$1");
                assertTrue(Compliance.complies(c, answer), c.where() + ": " + answer);
            }
        }
    }

    @Test
    void yesNoIsBalanced() {
        long yes = train.stream().filter(c -> c.task() == InstructionTask.SAME && c.expected().equals("yes")).count();
        assertTrue(yes > 160 && yes < 240, "yes answers among 400 yes/no rows: " + yes);
    }
}
