package dev.tailor.train.compare;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.cli.Main;
import dev.tailor.eval.Compliance;
import dev.tailor.eval.InstructionCase;
import dev.tailor.generate.Generation;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.TextGenerator;
import dev.tailor.io.AtomicFile;
import dev.tailor.peft.Adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One method of a comparison, run in its own JVM so that its peak resident memory (VmHWM) is its
 * own: trains with {@code tailor train}, records VmHWM right after training, then, when the eval
 * rows are the demo's instruction rows, generates an answer for each (greedy) and scores them with
 * {@link Compliance}. Writes {@code result.json} into the run's output folder.
 *
 * <p>Arguments: resultFile complianceRows evalFile|- then the train command's arguments.
 */
public final class MethodRun {

    private MethodRun() {}

    public static void main(String[] args) throws IOException {
        Path result = Path.of(args[0]);
        int complianceRows = Integer.parseInt(args[1]);
        Path evalFile = args[2].equals("-") ? null : Path.of(args[2]);
        String[] train = Arrays.copyOfRange(args, 3, args.length);
        int rc = Main.commandLine().execute(train);
        ObjectNode o = new JsonMapper().createObjectNode();
        o.put("rc", rc);
        o.put("vm_hwm_kb", PeakMemory.vmHwmKb());
        if (rc == 0 && evalFile != null && complianceRows > 0 && isDemo(evalFile)) {
            Compliance.Report r = compliance(argument(train, "--model"), argument(train, "--output"), evalFile, complianceRows);
            o.put("compliance_passed", r.all().passed()).put("compliance_total", r.all().total());
        }
        AtomicFile.writeString(result, o.toString() + "\n");
        System.exit(rc);
    }

    /** Whether the rows carry the demo's "task" field (the instruction-following set). */
    static boolean isDemo(Path evalFile) throws IOException {
        try (var lines = Files.lines(evalFile)) {
            return lines.findFirst().map(l -> l.contains("\"task\"") && l.contains("\"words\"")).orElse(false);
        }
    }

    /** Greedy answers (at most 24 tokens) to the first {@code rows} eval rows, scored. */
    static Compliance.Report compliance(Path model, Path output, Path evalFile, int rows) {
        boolean adapter = Files.isRegularFile(output.resolve(Adapters.CONFIG_FILE));
        List<InstructionCase> cases = InstructionCase.read(evalFile);
        cases = cases.subList(0, Math.min(rows, cases.size()));
        List<String> answers = new ArrayList<>();
        try (TextGenerator gen = TextGenerator.open(adapter ? model : output, adapter ? output : null)) {
            for (InstructionCase c : cases) {
                Generation g = gen.generate(gen.encodeChat(c.prompt()), 24, SamplingConfig.greedy(), List.of(), (row, id, text) -> true).generations().getFirst();
                answers.add(g.text());
            }
        }
        return Compliance.score(cases, answers);
    }

    private static Path argument(String[] args, String flag) {
        for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(flag)) return Path.of(args[i + 1]);
        throw new IllegalArgumentException("the train arguments have no " + flag);
    }
}
