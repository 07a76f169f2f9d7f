package dev.tailor.data.selfinstruct;

import dev.tailor.tokenizer.PythonStrings;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The instruction-generation prompt of Self-Instruct and the parsing of what the model writes
 * after it, as in the reference {@code bootstrap_instructions.py}: a numbered list of 8 tasks
 * (up to 2 machine-generated, the rest human-written, shuffled) that ends with "9." for the model
 * to continue.
 */
public final class SelfInstructPrompt {

    public static final String HEADER = "Come up with a series of tasks:\n";
    public static final String CLASSIFICATION_HEADER =
            "Come up with a series of classification tasks. Try to specify the possible output labels when possible.\n";
    public static final int PROMPT_INSTRUCTIONS = 8;
    public static final int MACHINE_INSTRUCTIONS = 2;
    /** Where the reference stops generating: a blank line or the 16th item. */
    public static final List<String> STOP_SEQUENCES = List.of("\n\n", "\n16", "16.", "16 .");

    // The model continues after "9."; each further item starts on a new line with its number.
    private static final Pattern ITEM_SPLIT = Pattern.compile("\\n\\d+\\s?\\. ");

    private SelfInstructPrompt() {}

    /** The prompt listing {@code instructions} (whitespace collapsed, trailing colons dropped) and the next number. */
    public static String encode(List<String> instructions, boolean classification) {
        StringBuilder b = new StringBuilder(classification ? CLASSIFICATION_HEADER : HEADER);
        for (int i = 0; i < instructions.size(); i++) {
            String inst = stripTrailingColons(PythonStrings.collapseWhitespace(instructions.get(i)));
            b.append(i + 1).append(". ").append(inst).append('\n');
        }
        return b.append(instructions.size() + 1).append('.').toString();
    }

    /**
     * The instructions for one prompt: min(2, |machine|) machine-generated ones, human-written ones
     * up to 8 in all, each drawn without replacement, then shuffled.
     */
    public static List<String> sample(List<String> human, List<String> machine, RandomGenerator rng) {
        int fromMachine = Math.min(MACHINE_INSTRUCTIONS, machine.size());
        int fromHuman = PROMPT_INSTRUCTIONS - fromMachine;
        if (human.size() < fromHuman) {
            throw new IllegalArgumentException("a prompt needs " + fromHuman + " human-written instructions, only " + human.size() + " given");
        }
        List<String> out = new ArrayList<>(PROMPT_INSTRUCTIONS);
        out.addAll(drawWithoutReplacement(machine, fromMachine, rng));
        out.addAll(drawWithoutReplacement(human, fromHuman, rng));
        shuffle(out, rng);
        return out;
    }

    /**
     * The candidate instructions in a model's continuation of the prompt: split at "\n&lt;number&gt;. ",
     * whitespace collapsed, capitalised as Python's {@code str.capitalize} does (first letter upper,
     * the rest lower), empty ones dropped.
     */
    public static List<String> parseResponse(String continuation) {
        List<String> out = new ArrayList<>();
        for (String raw : ITEM_SPLIT.split(continuation, -1)) {
            String inst = PythonStrings.capitalize(PythonStrings.collapseWhitespace(raw));
            if (!inst.isEmpty()) out.add(inst);
        }
        return out;
    }

    private static String stripTrailingColons(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ':') end--;
        return s.substring(0, end);
    }

    /** k distinct elements by a partial Fisher–Yates shuffle of the indices. */
    private static List<String> drawWithoutReplacement(List<String> from, int k, RandomGenerator rng) {
        int[] idx = new int[from.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        List<String> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(idx.length - i);
            int t = idx[i]; idx[i] = idx[j]; idx[j] = t;
            out.add(from.get(idx[i]));
        }
        return out;
    }

    private static void shuffle(List<String> list, RandomGenerator rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            String t = list.get(i); list.set(i, list.get(j)); list.set(j, t);
        }
    }
}
