package dev.tailor.data.selfinstruct;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.io.AtomicFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Self-Instruct loop end to end: {@link InstructionBootstrap} samples tasks from the pool and
 * asks the model for new instructions, {@link InstructionFilter} drops short, long, banned,
 * duplicate and too similar ones, and each survivor gets an input and output from
 * {@link InstancePrompt}; only an instruction whose instance passes its checks becomes a row and
 * joins the prompts, until {@code num} rows exist or the request budget is spent. The model is a
 * callback, so a scripted one can drive the loop in tests.
 */
public final class SelfInstruct {

    /** A continuation and whether it stopped at the token limit (rather than at a stop string or end of sequence). */
    public record Continuation(String text, boolean truncated) {}

    /** The model: continues {@code prompt}, stopping at any of {@code stops}; null when the prompt does not fit its context. */
    @FunctionalInterface
    public interface Model {
        Continuation complete(String prompt, List<String> stops);
    }

    /** One training row in the Alpaca layout. */
    public record Row(String instruction, String input, String output) {}

    /**
     * What a run produced and dropped.
     *
     * @param instructions       the instruction stage: requests sent, rejections per filter
     * @param instanceRejections accepted instructions dropped at the instance stage, per reason
     * @param instructionPromptsTooLong instruction prompts that did not fit the model's context
     * @param instructionAnswersCut      instruction answers cut at the token limit (their partial last item dropped)
     */
    public record Report(List<Row> rows, InstructionBootstrap.Result instructions, Map<InstanceRejection, Integer> instanceRejections,
                         int instructionPromptsTooLong, int instructionAnswersCut) {}

    /**
     * @param examples seed tasks shown in each instance prompt
     * @param classification use the classification header for instruction prompts
     */
    public record Settings(int num, int maxRequests, int examples, FilterRules rules, boolean classification, long seed) {
        public Settings {
            if (num < 1) throw new IllegalArgumentException("--num must be >= 1, got " + num);
            if (maxRequests < 1) throw new IllegalArgumentException("--max-requests must be >= 1, got " + maxRequests);
            if (examples < 0) throw new IllegalArgumentException("--examples must be >= 0, got " + examples);
        }
    }

    private SelfInstruct() {}

    public static Report run(List<SeedTask> seeds, Model model, Settings s) {
        List<SeedTask> shots = InstancePrompt.eligible(seeds);
        SplittableRandom rng = new SplittableRandom(s.seed() + 1); // examples drawn apart from the instruction prompts' stream
        List<Row> rows = new ArrayList<>();
        Map<InstanceRejection, Integer> dropped = new EnumMap<>(InstanceRejection.class);
        for (InstanceRejection r : InstanceRejection.values()) dropped.put(r, 0);
        int[] tooLong = {0}, cut = {0};
        InstructionBootstrap bootstrap = new InstructionBootstrap(SeedTask.instructions(seeds), prompt -> {
            Continuation c = model.complete(prompt, SelfInstructPrompt.STOP_SEQUENCES);
            if (c == null) { tooLong[0]++; return null; }
            if (!c.truncated()) return c.text();
            cut[0]++;
            return withoutLastLine(c.text());
        }, s.rules(), s.classification(), s.seed());
        InstructionBootstrap.Result result = bootstrap.run(s.num(), s.maxRequests(), instruction -> {
            Continuation c = model.complete(InstancePrompt.encode(InstancePrompt.sample(shots, s.examples(), rng), instruction),
                    InstancePrompt.STOP_SEQUENCES);
            InstancePrompt.Verdict v = c == null ? new InstancePrompt.Verdict(null, null, InstanceRejection.PROMPT_TOO_LONG)
                    : InstancePrompt.check(c.text(), c.truncated());
            if (!v.accepted()) {
                dropped.merge(v.rejection(), 1, Integer::sum);
                return false;
            }
            rows.add(new Row(instruction, v.input(), v.output()));
            return true;
        });
        return new Report(List.copyOf(rows), result, Map.copyOf(dropped), tooLong[0], cut[0]);
    }

    /** Writes the rows as Alpaca JSONL ({"instruction", "input", "output"}), which {@code tailor train} reads, atomically. */
    public static void writeAlpaca(Path file, List<Row> rows) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder();
        for (Row r : rows) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("instruction", r.instruction());
            m.put("input", r.input());
            m.put("output", r.output());
            b.append(json.writeValueAsString(m)).append('\n');
        }
        AtomicFile.writeString(file, b.toString());
    }

    /** A list cut at the token limit ends in a partial item; the reference drops it, as this does. */
    static String withoutLastLine(String text) {
        int nl = text.lastIndexOf('\n');
        return nl < 0 ? "" : text.substring(0, nl);
    }
}
