package dev.tailor.data.selfinstruct;

import dev.tailor.data.DataFormat;
import dev.tailor.data.DatasetBuilder;
import dev.tailor.data.Gpt2Encoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Self-Instruct loop driven by a scripted model whose answers are chosen so that each filter
 * fires a known number of times; parsing and instance checks by hand against the reference's
 * {@code parse_input_output} and {@code filter_invalid_instances}.
 */
class SelfInstructTest {

    static final List<String> SEED_INSTRUCTIONS = List.of(
            "Give three tips for staying healthy.", "Explain why the sky is blue.", "Summarize the following text in one sentence.",
            "Convert the temperature from Celsius to Fahrenheit.", "Write a haiku about autumn leaves.", "List five fruits that are red.",
            "Classify the sentiment of the review as positive or negative.", "Suggest a name for a new coffee shop.");

    static List<SeedTask> seeds() {
        List<SeedTask> out = new ArrayList<>();
        for (int i = 0; i < SEED_INSTRUCTIONS.size(); i++) {
            SeedTask.Instance inst = i % 2 == 0 ? new SeedTask.Instance("", "An answer " + i + ".") : new SeedTask.Instance("Input " + i, "Output " + i);
            out.add(new SeedTask("seed_" + i, "task_" + i, SEED_INSTRUCTIONS.get(i), List.of(inst), false, "seeds.jsonl:" + (i + 1)));
        }
        return out;
    }

    /** The model's answers: instruction lists by call, instances by instruction. */
    static final class Scripted implements SelfInstruct.Model {
        final List<String> instructionPrompts = new ArrayList<>();
        final List<String> instancePrompts = new ArrayList<>();
        int instructionCalls;

        @Override public SelfInstruct.Continuation complete(String prompt, List<String> stops) {
            if (prompt.startsWith(SelfInstructPrompt.HEADER)) {
                assertEquals(SelfInstructPrompt.STOP_SEQUENCES, stops);
                instructionPrompts.add(prompt);
                return switch (instructionCalls++) {
                    case 0 -> new SelfInstruct.Continuation(" Describe the color of the sky at noon on a clear day.\n10. Plot the sales of a shop over one year."
                            + "\n11. Hi there\n12. Describe the color of the sky at noon on a clear summer day.", false);
                    case 1 -> new SelfInstruct.Continuation(" Translate the sentence into French.\n10. Sort the numbers from smallest to largest."
                            + "\n11. Name three animals that live in the sea.\n12. Count the vowels in the wo", true); // cut: item 12 is dropped
                    default -> new SelfInstruct.Continuation("", false);
                };
            }
            assertTrue(prompt.startsWith(InstancePrompt.HEADER), prompt);
            assertEquals(InstancePrompt.STOP_SEQUENCES, stops);
            instancePrompts.add(prompt);
            String task = prompt.substring(prompt.lastIndexOf("Task: ") + 6).strip();
            return switch (task) {
                case "Describe the color of the sky at noon on a clear day." -> new SelfInstruct.Continuation("Output: Blue, with a few white clouds.", false);
                case "Translate the sentence into french." -> new SelfInstruct.Continuation("Input: Good morning.\nOutput: Bonjour.", false);
                case "Sort the numbers from smallest to largest." -> new SelfInstruct.Continuation("Input: 3, 1, 2\nOutput:", false);
                case "Name three animals that live in the sea." -> new SelfInstruct.Continuation("Input: none\nOutput: Whale, sha", true);
                default -> throw new AssertionError("unexpected instance prompt for '" + task + "'");
            };
        }
    }

    @Test
    void eachFilterDropsWhatItShouldAndOnlyCompleteTasksBecomeRows(@TempDir Path tmp) throws Exception {
        Scripted model = new Scripted();
        var s = new SelfInstruct.Settings(3, 4, 2, FilterRules.DEFAULT, false, 11);
        SelfInstruct.Report r = SelfInstruct.run(seeds(), model, s);

        assertEquals(List.of(
                new SelfInstruct.Row("Describe the color of the sky at noon on a clear day.", "", "Blue, with a few white clouds."),
                new SelfInstruct.Row("Translate the sentence into french.", "Good morning.", "Bonjour.")), r.rows());
        assertEquals(4, r.instructions().requests()); // 3 rows were never reached, so all 4 requests went out
        Map<Rejection, Integer> rej = r.instructions().rejected();
        assertEquals(1, rej.get(Rejection.TOO_SHORT));      // "Hi there"
        assertEquals(1, rej.get(Rejection.BANNED_KEYWORD)); // "Plot ..."
        assertEquals(1, rej.get(Rejection.TOO_SIMILAR));    // "... clear summer day." vs "... clear day.": F = 24/25
        assertEquals(0, rej.get(Rejection.DUPLICATE));
        assertEquals(1, r.instanceRejections().get(InstanceRejection.EMPTY_OUTPUT));
        assertEquals(1, r.instanceRejections().get(InstanceRejection.TRUNCATED));
        assertEquals(0, r.instanceRejections().get(InstanceRejection.PROMPT_TOO_LONG));
        assertEquals(1, r.instructionAnswersCut());
        assertEquals(4, model.instancePrompts.size()); // one per instruction that passed the filters; the cut item 12 never got one

        // Only completed instructions feed later prompts: both rows' instructions, never the dropped "Sort ...".
        String third = model.instructionPrompts.get(2);
        assertTrue(third.contains("Describe the color of the sky at noon on a clear day.") && third.contains("Translate the sentence into french."), third);
        assertFalse(third.contains("Sort the numbers"), third);

        // The file is Alpaca data that training reads.
        Path out = tmp.resolve("generated.jsonl");
        SelfInstruct.writeAlpaca(out, r.rows());
        assertEquals("{\"instruction\":\"Describe the color of the sky at noon on a clear day.\",\"input\":\"\",\"output\":\"Blue, with a few white clouds.\"}\n"
                + "{\"instruction\":\"Translate the sentence into french.\",\"input\":\"Good morning.\",\"output\":\"Bonjour.\"}\n", Files.readString(out));
        var built = DatasetBuilder.build(out, new Gpt2Encoder(null), new DatasetBuilder.Options(null, 512, DatasetBuilder.Overlong.DROP, false, false, 50257));
        assertEquals(DataFormat.ALPACA, built.format());
        assertEquals(2, built.rows().size());
    }

    @Test
    void stopsAtNumRowsAndCountsPromptsThatDoNotFit() {
        int[] calls = {0};
        SelfInstruct.Model model = (prompt, stops) -> {
            calls[0]++;
            if (prompt.startsWith(InstancePrompt.HEADER)) return null; // every instance prompt is too long
            return new SelfInstruct.Continuation(" Describe a sunset over the ocean in detail.\n10. Explain how a bicycle gear works.", false);
        };
        SelfInstruct.Report r = SelfInstruct.run(seeds(), model, new SelfInstruct.Settings(1, 3, 2, FilterRules.DEFAULT, false, 5));
        assertTrue(r.rows().isEmpty());
        assertEquals(2, r.instanceRejections().get(InstanceRejection.PROMPT_TOO_LONG)); // request 1: both pass; later: duplicates
        assertEquals(4, r.instructions().rejected().get(Rejection.DUPLICATE));          // requests 2 and 3 repeat the same two

        SelfInstruct.Model good = (prompt, stops) -> prompt.startsWith(InstancePrompt.HEADER)
                ? new SelfInstruct.Continuation("Output: It glows orange.", false)
                : new SelfInstruct.Continuation(" Describe a sunset over the ocean in detail.\n10. Explain how a bicycle gear works.", false);
        r = SelfInstruct.run(seeds(), good, new SelfInstruct.Settings(1, 3, 2, FilterRules.DEFAULT, false, 5));
        assertEquals(1, r.rows().size());
        assertEquals(1, r.instructions().requests());
    }

    @Test
    void theInstancePromptShowsExamplesInputFirst() {
        List<SeedTask> s = seeds();
        String p = InstancePrompt.encode(List.of(s.get(1), s.get(0)), "Name a color.");
        assertEquals(InstancePrompt.HEADER
                + "Task: Explain why the sky is blue.\nInput: Input 1\nOutput: Output 1\n\n"
                + "Task: Give three tips for staying healthy.\nOutput: An answer 0.\n\n"
                + "Task: Name a color.\n", p);
    }

    @Test
    void parsingFollowsTheReference() {
        assertArrayEquals(new String[]{"3, 1, 2", "1, 2, 3"}, InstancePrompt.parseInputOutput("Input: 3, 1, 2\nOutput: 1, 2, 3"));
        assertArrayEquals(new String[]{"", "just text"}, InstancePrompt.parseInputOutput("  just text \n"));
        assertArrayEquals(new String[]{"a", "b"}, InstancePrompt.parseInputOutput("Input: a\nOutput: b\nInput 2: c\nOutput 2: d"));
        assertArrayEquals(new String[]{"", "x"}, InstancePrompt.parseInputOutput("Output 2 : x"));
        assertEquals(InstanceRejection.INPUT_EQUALS_OUTPUT, InstancePrompt.check("Input: same\nOutput: same", false).rejection());
        assertEquals(InstanceRejection.INPUT_EQUALS_OUTPUT, InstancePrompt.check("Output:", false).rejection()); // both empty: the reference checks equality first
        assertEquals(InstanceRejection.EMPTY_OUTPUT, InstancePrompt.check("Input: a\nOutput:  ", false).rejection());
        assertEquals(InstanceRejection.ENDS_WITH_COLON, InstancePrompt.check("Input: Sentence:\nOutput: b", false).rejection());
        assertEquals(InstanceRejection.ENDS_WITH_COLON, InstancePrompt.check("Output: The answer is:", false).rejection());
        assertEquals(InstanceRejection.TRUNCATED, InstancePrompt.check("Output: fine", true).rejection());
        assertTrue(InstancePrompt.check("Output: fine", false).accepted());
        assertEquals("a\nb", SelfInstruct.withoutLastLine("a\nb\nc"));
        assertEquals("", SelfInstruct.withoutLastLine("only one partial item"));
    }
}
