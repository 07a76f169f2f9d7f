package dev.tailor.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compliance rules on hand-written rows and answers. */
class ComplianceTest {

    private static InstructionCase row(String json) throws IOException {
        return InstructionCase.of(new JsonlReader.Row(Path.of("hand.jsonl"), 7, new ObjectMapper().readTree(json)));
    }

    private static InstructionCase row(String task, List<String> words, boolean heldOut) throws IOException {
        String ws = String.join("\",\"", words);
        return row("{\"task\":\"" + task + "\",\"words\":[\"" + ws + "\"],\"held_out\":" + heldOut
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"y\"}]}");
    }

    @Test
    void sayNeedsTheWordExactly() throws IOException {
        InstructionCase c = row("say", List.of("moon"), false);
        assertTrue(Compliance.complies(c, "moon"));
        assertTrue(Compliance.complies(c, "  moon\n"));        // surrounding whitespace is not judged
        assertFalse(Compliance.complies(c, "Moon"));
        assertFalse(Compliance.complies(c, "moon."));
        assertFalse(Compliance.complies(c, "the moon"));
        assertFalse(Compliance.complies(c, ""));
    }

    @Test
    void repeatNeedsTwoCopiesWithOneSpace() throws IOException {
        InstructionCase c = row("repeat", List.of("sun"), false);
        assertTrue(Compliance.complies(c, "sun sun"));
        assertFalse(Compliance.complies(c, "sun"));
        assertFalse(Compliance.complies(c, "sun sun sun"));
        assertFalse(Compliance.complies(c, "sun  sun"));
        assertFalse(Compliance.complies(c, "sun, sun"));
    }

    @Test
    void upperNeedsCapitals() throws IOException {
        InstructionCase c = row("upper", List.of("patience"), true);
        assertTrue(Compliance.complies(c, "PATIENCE"));
        assertFalse(Compliance.complies(c, "patience"));
        assertFalse(Compliance.complies(c, "Patience"));
        assertFalse(Compliance.complies(c, "PATIENCE!"));
    }

    @Test
    void lastNeedsTheThirdWord() throws IOException {
        InstructionCase c = row("last", List.of("fear", "past", "patience"), false);
        assertEquals("patience", c.expected());
        assertTrue(Compliance.complies(c, "patience"));
        assertFalse(Compliance.complies(c, "fear"));
        assertFalse(Compliance.complies(c, "past patience"));
    }

    @Test
    void sameAcceptsYesOrNoInAnyCaseWithOneFinalStop() throws IOException {
        InstructionCase same = row("same", List.of("see", "see"), false);
        InstructionCase different = row("same", List.of("see", "sea"), false);
        assertTrue(Compliance.complies(same, "yes"));
        assertTrue(Compliance.complies(same, "Yes."));
        assertTrue(Compliance.complies(same, " YES!\n"));
        assertFalse(Compliance.complies(same, "no"));
        assertFalse(Compliance.complies(same, "yes, it is"));
        assertFalse(Compliance.complies(same, "yes.."));
        assertTrue(Compliance.complies(different, "No"));
        assertFalse(Compliance.complies(different, "yes"));
        assertFalse(Compliance.complies(different, "nope"));
    }

    @Test
    void theRuleIgnoresTheStoredAnswer() throws IOException {
        // the stored assistant message says "y"; the rule derives "moon" from the task and the words
        InstructionCase c = row("say", List.of("moon"), false);
        assertFalse(Compliance.complies(c, "y"));
        assertEquals(List.of(Map.of("role", "user", "content", "x")), c.prompt());
    }

    @Test
    void scoreCountsOverallByTaskAndByWordSplit() throws IOException {
        List<InstructionCase> cases = List.of(row("say", List.of("a"), true), row("say", List.of("b"), false),
                row("repeat", List.of("c"), true), row("same", List.of("d", "e"), false));
        Compliance.Report r = Compliance.score(cases, List.of("a", "x", "c c", "no"));
        assertEquals(new Compliance.Tally(3, 4), r.all());
        assertEquals(0.75, r.all().share());
        assertEquals(new Compliance.Tally(1, 2), r.byTask().get(InstructionTask.SAY));
        assertEquals(new Compliance.Tally(1, 1), r.byTask().get(InstructionTask.REPEAT));
        assertEquals(new Compliance.Tally(2, 2), r.heldOut());
        assertEquals(new Compliance.Tally(1, 2), r.seen());
        assertTrue(r.summary().startsWith("compliance 3/4 (75.0%)\n  say: 1/2 (50.0%)\n"), r.summary());
        assertThrows(IllegalArgumentException.class, () -> Compliance.score(cases, List.of("a")));
    }

    @Test
    void badRowsAreNamed() {
        DataException unknown = assertThrows(DataException.class, () -> row("{\"task\":\"rhyme\",\"words\":[\"a\"],\"messages\":[]}"));
        assertTrue(unknown.getMessage().startsWith("hand.jsonl:7: field 'task'") && unknown.getMessage().contains("say, repeat"),
                unknown.getMessage());
        DataException arity = assertThrows(DataException.class,
                () -> row("{\"task\":\"last\",\"words\":[\"a\",\"b\"],\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
        assertTrue(arity.getMessage().contains("array of 3 string(s) for task \"last\""), arity.getMessage());
    }
}
