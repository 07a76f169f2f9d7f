package dev.tailor.eval;

import java.util.List;
import java.util.Locale;

/**
 * The instruction kinds of the demo dataset: each is an instruction template over a few words and
 * the one answer that complies. They need no knowledge of the world, only of the words in the
 * instruction, so a small model pretrained on plain text can learn them from a few thousand
 * examples, and a program can check every answer.
 */
public enum InstructionTask {
    /** "Say the word moon." → "moon" */
    SAY("say", 1),
    /** "Repeat moon twice." → "moon moon" */
    REPEAT("repeat", 1),
    /** "Write moon in capital letters." → "MOON" */
    UPPER("upper", 1),
    /** "Which word comes last: sun moon star?" → "star" */
    LAST("last", 3),
    /** "Answer yes or no: are moon and star the same word?" → "no" */
    SAME("same", 2);

    private final String id;
    private final int arity;

    InstructionTask(String id, int arity) {
        this.id = id;
        this.arity = arity;
    }

    /** The name used in the dataset's "task" field. */
    public String id() {
        return id;
    }

    /** How many words the instruction takes. */
    public int arity() {
        return arity;
    }

    /** The task whose {@link #id()} is {@code id}. */
    public static InstructionTask of(String id) {
        for (InstructionTask t : values()) if (t.id.equals(id)) return t;
        throw new IllegalArgumentException("unknown task \"" + id + "\"; expected one of " + ids());
    }

    static List<String> ids() {
        return java.util.Arrays.stream(values()).map(InstructionTask::id).toList();
    }

    /** The instruction for {@code words} ({@link #arity()} of them). */
    public String prompt(List<String> words) {
        checkArity(words);
        return switch (this) {
            case SAY -> "Say the word " + words.get(0) + ".";
            case REPEAT -> "Repeat " + words.get(0) + " twice.";
            case UPPER -> "Write " + words.get(0) + " in capital letters.";
            case LAST -> "Which word comes last: " + String.join(" ", words) + "?";
            case SAME -> "Answer yes or no: are " + words.get(0) + " and " + words.get(1) + " the same word?";
        };
    }

    /** The answer that complies, exactly as the dataset's assistant message gives it. */
    public String expected(List<String> words) {
        checkArity(words);
        return switch (this) {
            case SAY -> words.get(0);
            case REPEAT -> words.get(0) + " " + words.get(0);
            case UPPER -> words.get(0).toUpperCase(Locale.ROOT);
            case LAST -> words.get(2);
            case SAME -> words.get(0).equals(words.get(1)) ? "yes" : "no";
        };
    }

    private void checkArity(List<String> words) {
        if (words.size() != arity) {
            throw new IllegalArgumentException("task \"" + id + "\" takes " + arity + " word(s), found " + words.size()
                    + ": " + words);
        }
    }
}
