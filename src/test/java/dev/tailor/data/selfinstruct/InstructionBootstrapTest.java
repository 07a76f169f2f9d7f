package dev.tailor.data.selfinstruct;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generation loop driven by a scripted generator that records the prompts it is given. */
class InstructionBootstrapTest {

    static final List<String> SEEDS = SeedTask.instructions(SeedTask.read(SeedTaskTest.seedFile())).subList(0, 20);

    /** Answers prompts with the scripted continuations in order, then with empty text. */
    static final class Scripted implements Function<String, String> {
        final List<String> prompts = new ArrayList<>();
        final Iterator<String> replies;
        Scripted(String... replies) { this.replies = List.of(replies).iterator(); }
        @Override public String apply(String prompt) {
            prompts.add(prompt);
            return replies.hasNext() ? replies.next() : "";
        }
    }

    @Test void acceptsFiltersAndFeedsAcceptedInstructionsBackIntoPrompts() {
        Scripted gen = new Scripted(
                " Write a haiku about autumn leaves falling.\n10. Tell me jokes\n11. Describe the image below in detail."
                        + "\n12. Write a haiku about autumn leaves falling down.\n13. Suggest three names for a pet goldfish.",
                " Write a program that prints primes.\n10. ¿Qué hora es ahora mismo?"
                        + "\n11. Convert each temperature from celsius to kelvin.\n12. Name two rivers in Africa and their lengths.");
        InstructionBootstrap.Result r = new InstructionBootstrap(SEEDS, gen, FilterRules.DEFAULT, false, 7).run(3, 10);

        assertEquals(List.of("Write a haiku about autumn leaves falling.", "Suggest three names for a pet goldfish.",
                "Convert each temperature from celsius to kelvin."), r.accepted().stream().map(InstructionBootstrap.Accepted::instruction).toList());
        assertEquals(List.of(0, 0, 1), r.accepted().stream().map(InstructionBootstrap.Accepted::request).toList());
        assertEquals(2, r.requests());
        assertEquals(1, r.rejected().get(Rejection.TOO_SHORT));
        assertEquals(1, r.rejected().get(Rejection.BANNED_KEYWORD));
        assertEquals(1, r.rejected().get(Rejection.TOO_SIMILAR));   // 7 of 8 tokens in order: F = 14/15
        assertEquals(1, r.rejected().get(Rejection.BANNED_PREFIX));
        assertEquals(1, r.rejected().get(Rejection.STARTS_WITH_NON_ASCII));
        assertEquals(0, r.rejected().get(Rejection.DUPLICATE));

        // prompt 1: eight seed tasks; prompt 2: the two accepted instructions and six seed tasks
        assertEquals(2, gen.prompts.size());
        for (String p : gen.prompts) {
            assertTrue(p.startsWith(SelfInstructPrompt.HEADER + "1. "), p);
            assertTrue(p.endsWith("\n9.") && p.contains("\n8. ") && !p.contains("\n10."), p);
            assertEquals(10, p.split("\n").length, "header, 8 tasks and the open 9th: " + p);
        }
        assertEquals(8, countListed(gen.prompts.get(0), SEEDS));
        assertEquals(6, countListed(gen.prompts.get(1), SEEDS));
        assertEquals(2, countListed(gen.prompts.get(1), List.of("Write a haiku about autumn leaves falling.", "Suggest three names for a pet goldfish.")));
    }

    @Test void stopsAfterMaxRequestsWhenNothingPasses() {
        Scripted gen = new Scripted(" Draw a map\n10. Hi", "", " Tell me jokes");
        InstructionBootstrap.Result r = new InstructionBootstrap(SEEDS, gen, FilterRules.DEFAULT, false, 1).run(5, 4);
        assertEquals(4, r.requests());
        assertEquals(0, r.accepted().size());
        assertEquals(3, r.rejected().get(Rejection.TOO_SHORT));  // "Draw a map", "Hi", "Tell me jokes": 3 words or fewer, checked before keywords
        assertEquals(4, gen.prompts.size());
    }

    @Test void needsEightSeedInstructions() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new InstructionBootstrap(SEEDS.subList(0, 7), p -> "", FilterRules.DEFAULT, false, 1));
        assertEquals("Self-Instruct needs at least 8 seed instructions for its prompts, got 7", e.getMessage());
    }

    /** How many of {@code instructions} appear as a numbered line of the prompt. */
    private static int countListed(String prompt, List<String> instructions) {
        int n = 0;
        for (String line : prompt.split("\n")) {
            String item = line.replaceFirst("^\\d+\\. ", "");
            if (!item.equals(line) && instructions.stream().anyMatch(i -> promptForm(i).equals(item))) n++;
        }
        return n;
    }

    /** The prompt's form of an instruction: whitespace collapsed, trailing colons dropped. */
    private static String promptForm(String s) { return s.replaceAll("\\s+", " ").strip().replaceAll(":+$", ""); }
}
