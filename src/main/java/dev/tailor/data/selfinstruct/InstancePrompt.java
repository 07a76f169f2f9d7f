package dev.tailor.data.selfinstruct;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * The second stage of Self-Instruct: ask the model for an input and an output of a new
 * instruction, input first, after a few seed tasks shown the same way, then parse and check what it
 * wrote. Parsing and the checks are those of the reference {@code prepare_for_finetuning.py}
 * ({@code parse_input_output}, {@code filter_invalid_instances}); one instance is kept per task.
 */
public final class InstancePrompt {

    public static final String HEADER = "Come up with an example for each of the following tasks. "
            + "If the task does not need an input, write the output directly.\n\n";
    /** A blank line (the examples are separated by one) or a new task heading ends the example. */
    public static final List<String> STOP_SEQUENCES = List.of("\n\n", "\nTask:", "Task:");
    /** Seed tasks whose first instance is longer than this (in words) are not shown, to keep the prompt short. */
    public static final int MAX_EXAMPLE_WORDS = 60;

    private static final Pattern OUTPUT = Pattern.compile("Output\\s*\\d*\\s*:");
    private static final Pattern INPUT = Pattern.compile("Input\\s*\\d*\\s*:");
    private static final Pattern INPUT_PREFIX = Pattern.compile("^Input\\s*\\d*\\s*:");

    /** A parsed instance, or the reason it was rejected (then input and output are what was parsed, possibly null). */
    public record Verdict(String input, String output, InstanceRejection rejection) {
        public boolean accepted() { return rejection == null; }
    }

    private InstancePrompt() {}

    /** The seed tasks short enough to show as examples. */
    public static List<SeedTask> eligible(List<SeedTask> seeds) {
        List<SeedTask> out = new ArrayList<>();
        for (SeedTask t : seeds) {
            SeedTask.Instance i = t.instances().getFirst();
            int words = (t.instruction() + " " + i.input() + " " + i.output()).split("\\s+").length;
            if (words <= MAX_EXAMPLE_WORDS) out.add(t);
        }
        return out;
    }

    /** {@code k} distinct examples drawn from {@code pool} (all of them when it has fewer). */
    public static List<SeedTask> sample(List<SeedTask> pool, int k, RandomGenerator rng) {
        List<SeedTask> copy = new ArrayList<>(pool);
        int n = Math.min(k, copy.size());
        for (int i = 0; i < n; i++) {
            int j = i + rng.nextInt(copy.size() - i);
            SeedTask t = copy.get(i); copy.set(i, copy.get(j)); copy.set(j, t);
        }
        return copy.subList(0, n);
    }

    /** The prompt: the header, each example's task, input (when it has one) and output, then the new task for the model to continue. */
    public static String encode(List<SeedTask> examples, String instruction) {
        StringBuilder b = new StringBuilder(HEADER);
        for (SeedTask t : examples) {
            SeedTask.Instance i = t.instances().getFirst();
            b.append("Task: ").append(t.instruction().strip()).append('\n');
            if (!i.input().isBlank()) b.append("Input: ").append(i.input().strip()).append('\n');
            b.append("Output: ").append(i.output().strip()).append("\n\n");
        }
        return b.append("Task: ").append(instruction.strip()).append('\n').toString();
    }

    /** The reference's {@code parse_input_output}: text before "Output:" is the input (its "Input:" label dropped), text after it the output. */
    public static String[] parseInputOutput(String response) {
        String input, output;
        if (OUTPUT.matcher(response).find()) {
            String[] parts = OUTPUT.split(response, -1);
            input = parts[0].strip();
            output = parts[1].strip();
        } else {
            input = "";
            output = response.strip();
        }
        if (INPUT.matcher(output).find()) output = INPUT.split(output, -1)[0].strip(); // a second example began
        input = INPUT_PREFIX.matcher(input).replaceFirst("").strip();
        return new String[]{input, output};
    }

    /** Parses a continuation and applies the reference's checks; a generation cut at the token limit is dropped, as the reference drops its last instance. */
    public static Verdict check(String continuation, boolean truncated) {
        if (truncated) return new Verdict(null, null, InstanceRejection.TRUNCATED);
        String[] io = parseInputOutput(continuation);
        String in = io[0], out = io[1];
        InstanceRejection r = null;
        if (in.equals(out)) r = InstanceRejection.INPUT_EQUALS_OUTPUT;
        else if (out.isEmpty()) r = InstanceRejection.EMPTY_OUTPUT;
        else if (in.strip().endsWith(":") || out.strip().endsWith(":")) r = InstanceRejection.ENDS_WITH_COLON;
        return new Verdict(in, out, r);
    }
}
