package dev.tailor.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.eval.Compliance.Report;
import dev.tailor.eval.Compliance.Tally;
import dev.tailor.eval.InstructionCase;
import dev.tailor.eval.InstructionTask;
import dev.tailor.data.JsonlReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's report on fixed numbers: every expected line is written out by hand. */
class DemoReportTest {

    private static final DemoReport.Setup SETUP = new DemoReport.Setup("demo/base", 5_401_856, 443_904, 2000, 200, 16, 32, 150, 16, 0.002, 8);
    private static final DemoReport.Training TRAINING = new DemoReport.Training(120.4, 7.5, 0.25, 812.3, "runs/demo");

    private static Report report(int all, int[] tasks, int heldOut, int seen) {
        InstructionTask[] t = InstructionTask.values();
        Map<InstructionTask, Tally> byTask = Map.of(t[0], new Tally(tasks[0], 40), t[1], new Tally(tasks[1], 40), t[2], new Tally(tasks[2], 40),
                t[3], new Tally(tasks[3], 40), t[4], new Tally(tasks[4], 40));
        return new Report(new Tally(all, 200), byTask, new Tally(heldOut, 100), new Tally(seen, 100));
    }

    private static final DemoReport.Measure BASE = new DemoReport.Measure(8.0, 643, report(3, new int[] {3, 0, 0, 0, 0}, 1, 2), 1.6);
    private static final DemoReport.Measure TUNED = new DemoReport.Measure(2.0, 643, report(150, new int[] {40, 36, 20, 24, 30}, 70, 80), 2.9);

    private static DemoReport demo(DemoReport.Measure before, DemoReport.Measure after, List<DemoReport.Sample> samples) {
        return new DemoReport(SETUP, before, after, TRAINING, samples);
    }

    @Test
    void tableShowsEveryFigureBeforeAndAfterWithItsChange() {
        String[] lines = demo(BASE, TUNED, List.of()).table().split("\n");
        assertEquals(10, lines.length); // header, loss, all, 5 tasks, held-out, seen
        assertEquals("                       base model         fine-tuned         change", lines[0]);
        assertEquals("eval loss              8.0000             2.0000             -75.0%", lines[1]);
        assertEquals("complying answers      3/200 (1.5%)       150/200 (75.0%)    +73.5 points", lines[2]);
        assertEquals("  say                  3/40 (7.5%)        40/40 (100.0%)     +92.5 points", lines[3]);
        assertEquals("  repeat               0/40 (0.0%)        36/40 (90.0%)      +90.0 points", lines[4]);
        assertEquals("  upper                0/40 (0.0%)        20/40 (50.0%)      +50.0 points", lines[5]);
        assertEquals("  last                 0/40 (0.0%)        24/40 (60.0%)      +60.0 points", lines[6]);
        assertEquals("  same                 0/40 (0.0%)        30/40 (75.0%)      +75.0 points", lines[7]);
        assertEquals("  held-out words       1/100 (1.0%)       70/100 (70.0%)     +69.0 points", lines[8]);
        assertEquals("  seen words           2/100 (2.0%)       80/100 (80.0%)     +78.0 points", lines[9]);
    }

    @Test
    void verdictSaysWhatTheNumbersShow() {
        assertEquals("Fine-tuning helped: complying answers 1.5% -> 75.0% (+73.5 points), on words never seen in training 1.0% -> 70.0%; "
                + "eval loss 8.0000 -> 2.0000.", demo(BASE, TUNED, List.of()).verdict());

        var lossOnly = new DemoReport.Measure(6.0, 643, report(3, new int[] {3, 0, 0, 0, 0}, 1, 2), 1.6);
        assertEquals("The eval loss fell (eval loss 8.0000 -> 6.0000) but the answers did not improve (complying answers 1.5% -> 1.5% "
                + "(+0.0 points)); more steps may help (--steps).", demo(BASE, lossOnly, List.of()).verdict());

        var worse = new DemoReport.Measure(8.5, 643, report(1, new int[] {1, 0, 0, 0, 0}, 0, 1), 1.6);
        assertEquals("No improvement measured: eval loss 8.0000 -> 8.5000, complying answers 1.5% -> 0.5% (-1.0 points); try more steps (--steps).",
                demo(BASE, worse, List.of()).verdict());

        var answersOnly = new DemoReport.Measure(8.0, 643, report(4, new int[] {4, 0, 0, 0, 0}, 2, 2), 1.6);
        assertTrue(demo(BASE, answersOnly, List.of()).verdict().startsWith("More answers comply (complying answers 1.5% -> 2.0% (+0.5 points))"));
    }

    @Test
    void samplesStandSideBySideQuotedCutAndMarked() {
        var samples = List.of(
                new DemoReport.Sample("Say the word lies.", "lies", "thythy", false, "lies", true),
                new DemoReport.Sample("Repeat report twice.", "report report", "a\nb", false, "ohemohemohemohemohemohemohem", false));
        String[] lines = demo(BASE, TUNED, samples).samplesTable().split("\n");
        assertEquals(3, lines.length);
        // prompt column 52 wide, answer column 29 wide, " | " between
        assertEquals("prompt" + " ".repeat(46) + " | base model" + " ".repeat(19) + " | fine-tuned", lines[0]);
        assertEquals("Say the word lies." + " ".repeat(34) + " | \"thythy\"" + " ".repeat(21) + " | \"lies\" ok", lines[1]);
        assertEquals("Repeat report twice." + " ".repeat(32) + " | \"a\\nb\"" + " ".repeat(23) + " | \"ohemohemohemohemohemo...\"", lines[2]);
    }

    @Test
    void cutAndVisibleKeepAnswersOnOneShortLine() {
        assertEquals("abcdef", DemoReport.cut("abcdef", 6));
        assertEquals("abc...", DemoReport.cut("abcdefg", 6));
        assertEquals("a\\nb\\tc\\\\", DemoReport.visible("a\nb\tc\\"));
        assertEquals("32", DemoReport.trim(32.0));
        assertEquals("0.002", DemoReport.trim(2e-3));
        assertEquals("0.00001", DemoReport.trim(1e-5));
    }

    @Test
    void formatHasSetupTableVerdictSamplesAndWhereFilesAre() {
        var samples = List.of(new DemoReport.Sample("Say the word lies.", "lies", "x", false, "lies", true));
        String text = demo(BASE, TUNED, samples).format();
        assertTrue(text.startsWith("LoRA (r 16, alpha 32, all linear layers: 443,904 trainable of 5,401,856 parameters) on 2,000 instruction rows:\n"
                + "150 steps of 16 rows, lr 0.002; base model demo/base\n\n"), text);
        assertTrue(text.contains("\nFine-tuning helped: "), text);
        assertTrue(text.contains("Sample answers (greedy, at most 8 new tokens; \"ok\" = complies):\nprompt"), text);
        assertTrue(text.contains("Training: 120 s (812 tokens/s), loss 7.5000 -> 0.2500; answering the 200 eval prompts took 1.6 s before, 2.9 s after.\n"), text);
        assertTrue(text.endsWith("Adapter (PEFT layout), metrics.jsonl, loss.png and answers.jsonl in runs/demo\n"), text);
    }

    @Test
    void jsonHoldsEveryFigure() {
        JsonNode j = demo(BASE, TUNED, List.of()).toJson();
        assertEquals(8.0, j.at("/before/eval_loss").asDouble());
        assertEquals(2.0, j.at("/after/eval_loss").asDouble());
        assertEquals(643, j.at("/after/eval_tokens").asInt());
        assertEquals(150, j.at("/after/complying/passed").asInt());
        assertEquals(0.75, j.at("/after/complying/share").asDouble());
        assertEquals(36, j.at("/after/by_task/repeat/passed").asInt());
        assertEquals(1, j.at("/before/held_out_words/passed").asInt());
        assertEquals(80, j.at("/after/seen_words/passed").asInt());
        assertEquals(16, j.at("/setup/rank").asInt());
        assertTrue(j.at("/verdict").asText().startsWith("Fine-tuning helped"));
    }

    private static InstructionCase row(String task, String words, boolean heldOut, String prompt) throws IOException {
        String json = "{\"task\":\"" + task + "\",\"words\":[" + words + "],\"held_out\":" + heldOut
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"},{\"role\":\"assistant\",\"content\":\"y\"}]}";
        return InstructionCase.of(new JsonlReader.Row(Path.of("hand.jsonl"), 1, new ObjectMapper().readTree(json)));
    }

    @Test
    void samplesAreTheFirstHeldOutRowOfEachTask() throws IOException {
        List<InstructionCase> cases = List.of(
                row("say", "\"moon\"", false, "Say the word moon."),
                row("say", "\"sun\"", true, "Say the word sun."),
                row("say", "\"star\"", true, "Say the word star."),
                row("same", "\"a\",\"a\"", true, "Answer yes or no: are a and a the same word?"));
        List<DemoReport.Sample> s = DemoRun.samples(cases, List.of("x", "sun", "y", "no"), List.of("moon", "Sun", "star", "Yes."));
        assertEquals(2, s.size());
        assertEquals(new DemoReport.Sample("Say the word sun.", "sun", "sun", true, "Sun", false), s.get(0));
        assertEquals(new DemoReport.Sample("Answer yes or no: are a and a the same word?", "yes", "no", false, "Yes.", true), s.get(1));
    }

    @Test
    void outputFolderOfAnEarlierDemoIsReusedItsCheckpointsDropped(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("runs/demo");
        DemoRun.prepareOutput(out);
        assertTrue(Files.isDirectory(out));
        Files.createDirectories(out.resolve("checkpoint-150"));
        Files.writeString(out.resolve("checkpoint-150/trainer_state.json"), "{}");
        Files.writeString(out.resolve("metrics.jsonl"), "{}\n");
        Files.writeString(out.resolve("demo-report.txt"), "old\n");
        DemoRun.prepareOutput(out);
        assertFalse(Files.exists(out.resolve("checkpoint-150")));
        assertTrue(Files.exists(out.resolve("metrics.jsonl"))); // rewritten by the run, not deleted up front
    }

    @Test
    void outputFolderWithOtherFilesIsRefusedAndLeftAlone(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("checkpoint-3"));
        Files.writeString(dir.resolve("notes.txt"), "mine\n");
        var e = assertThrows(IllegalArgumentException.class, () -> DemoRun.prepareOutput(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("notes.txt"), e.getMessage());
        assertTrue(Files.exists(dir.resolve("notes.txt")));
        assertTrue(Files.exists(dir.resolve("checkpoint-3")));
    }
}
