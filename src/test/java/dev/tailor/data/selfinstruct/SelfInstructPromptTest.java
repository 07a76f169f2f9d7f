package dev.tailor.data.selfinstruct;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelfInstructPromptTest {

    static List<String> numbered(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + " task number " + i);
        return out;
    }

    @Test void encodeNumbersTheTasksAndLeavesTheNextNumberOpen() {
        assertEquals("Come up with a series of tasks:\n1. Tell me a joke\n2. Summarize the text\n3.",
                SelfInstructPrompt.encode(List.of("Tell me a  joke::", " Summarize\nthe text "), false));
        assertTrue(SelfInstructPrompt.encode(List.of("Classify the sentiment."), true)
                .startsWith("Come up with a series of classification tasks. Try to specify the possible output labels when possible.\n1. "));
    }

    @Test void parseResponseSplitsAtNumberedLinesAndCapitalisesLikePython() {
        String continuation = " Write a poem about the sea.\n10. Give three tips for staying healthy.\n11.Not split here\n12 . Name a color of the RAINBOW\n\n";
        assertEquals(List.of("Write a poem about the sea.",
                        "Give three tips for staying healthy. 11.not split here",   // "11." without a space does not split
                        "Name a color of the rainbow"),                           // str.capitalize lowers the rest
                SelfInstructPrompt.parseResponse(continuation));
        assertEquals(List.of(), SelfInstructPrompt.parseResponse("  \n\n"));
    }

    @Test void sampleTakesTwoMachineAndSixHumanTasksWhenItCan() {
        List<String> human = numbered("human", 20), machine = numbered("machine", 5);
        List<String> first = SelfInstructPrompt.sample(human, List.of(), new SplittableRandom(1));
        assertEquals(8, first.size());
        assertTrue(human.containsAll(first));
        assertEquals(8, new HashSet<>(first).size(), "drawn without replacement");

        List<String> mixed = SelfInstructPrompt.sample(human, machine, new SplittableRandom(1));
        assertEquals(2, mixed.stream().filter(machine::contains).count());
        assertEquals(6, mixed.stream().filter(human::contains).count());
        assertEquals(8, new HashSet<>(mixed).size());
        assertEquals(1, SelfInstructPrompt.sample(human, machine.subList(0, 1), new SplittableRandom(2)).stream().filter(machine::contains).count());
        // same seed, same prompt
        assertEquals(mixed, SelfInstructPrompt.sample(human, machine, new SplittableRandom(1)));

        var e = assertThrows(IllegalArgumentException.class, () -> SelfInstructPrompt.sample(numbered("h", 5), machine, new SplittableRandom(1)));
        assertEquals("a prompt needs 6 human-written instructions, only 5 given", e.getMessage());
    }
}
