package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.train.compare.Comparison;
import dev.tailor.train.compare.MethodRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tailor compare}: trains each method on the same data for the same number of steps, each in
 * a child JVM (same java, flags and classpath) so that peak memory is per method, and tabulates
 * trainable parameters, peak memory, tokens/s, the final eval loss and, on the demo data, the
 * share of instructions followed. A method this build does not know is reported as unavailable.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train several fine-tuning methods on the same data and budget and compare them (table: markdown and PNG).")
public final class CompareCommand implements Callable<Integer> {

    /** Learning rates that suit each family when --lr names none: prompts need large steps, full fine-tuning small ones. */
    static final Map<String, Double> DEFAULT_LR = Map.ofEntries(Map.entry("full", 1e-4), Map.entry("freeze", 1e-4), Map.entry("hft", 1e-4),
            Map.entry("prompt", 3e-2), Map.entry("prefix", 1e-2), Map.entry("ptuning-v2", 1e-2), Map.entry("mezo", 1e-3));
    static final double ADAPTER_LR = 1e-3;

    @Option(names = "--model", required = true, description = "Hugging Face model folder") Path model;
    @Option(names = "--data", required = true, description = "training file (.jsonl, .json or .txt)") Path data;
    @Option(names = "--methods", required = true, split = ",", description = "methods to compare, e.g. lora,dora,qlora,ia3,adapter,prompt,prefix,bitfit,hft,full,mezo")
    List<String> methods;
    @Option(names = "--steps", defaultValue = "50", description = "optimizer steps per method (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--output", defaultValue = "compare", description = "folder for each method's run, comparison.md and comparison.png (default: ${DEFAULT-VALUE})") Path output;
    @Option(names = "--eval-data", description = "held-out rows (default: a 10%% split of --data); the demo's eval rows also give the instruction-following score") Path evalData;
    @Option(names = "--lr", description = "learning rate per method, e.g. --lr lora=2e-4 --lr prompt=3e-2 (defaults: 1e-3 for adapters, 1e-4 full/freeze/hft, 3e-2 prompt, 1e-2 prefix)")
    Map<String, Double> lr = new LinkedHashMap<>();
    @Option(names = "--batch-size", defaultValue = "4", description = "sequences per step (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--max-length", defaultValue = "256", description = "longest row in tokens (default: ${DEFAULT-VALUE})") int maxLength;
    @Option(names = "--compliance-rows", defaultValue = "50", description = "demo eval rows answered per method, 0 = none (default: ${DEFAULT-VALUE})") int complianceRows;
    @Option(names = "--seed", defaultValue = "42") long seed;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        Files.createDirectories(output);
        List<Comparison.Row> rows = new ArrayList<>();
        for (String m : methods) {
            System.err.printf("compare: %s (%d of %d)%n", m, rows.size() + 1, methods.size());
            rows.add(runMethod(m.strip()));
        }
        Comparison.write(output, rows, steps);
        System.out.print(Comparison.markdown(rows, steps));
        System.out.println("\ntable in " + output.resolve("comparison.md") + ", chart in " + output.resolve("comparison.png"));
        return 0;
    }

    private Comparison.Row runMethod(String method) throws IOException, InterruptedException {
        Path dir = output.resolve(method), log = dir.resolve("run.log"), result = dir.resolve("result.json");
        Files.createDirectories(dir);
        Files.deleteIfExists(result);
        List<String> cmd = new ArrayList<>(javaCommand());
        cmd.addAll(List.of(MethodRun.class.getName(), result.toString(), String.valueOf(complianceRows), evalData == null ? "-" : evalData.toString()));
        cmd.addAll(List.of("train", "--model", model.toString(), "--data", data.toString(), "--output", dir.resolve("run").toString(), "--method", method,
                "--max-steps", String.valueOf(steps), "--lr", String.valueOf(lr.getOrDefault(method, DEFAULT_LR.getOrDefault(method, ADAPTER_LR))),
                "--batch-size", String.valueOf(batchSize), "--max-length", String.valueOf(maxLength), "--seed", String.valueOf(seed),
                "--logging-steps", String.valueOf(Math.max(1, steps / 5))));
        if (evalData != null) cmd.addAll(List.of("--eval-data", evalData.toString()));
        else cmd.addAll(List.of("--eval-split", "0.1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int rc = p.waitFor();
        String text = Files.readString(log);
        if (rc != 0 || !Files.isRegularFile(result)) {
            if (text.contains("--method '" + method + "' is not available")) return notRun(method, "unavailable");
            return notRun(method, failure(text, rc, log));
        }
        return row(method, text, JSON.readTree(result.toFile()), dir.resolve("run").resolve("metrics.jsonl"));
    }

    /**
     * The status of a run that did not finish: the error the command printed (its last "tailor
     * train: ..." line, e.g. a method that does not apply to this model), else the exit code; and
     * where the log is. A '|' in the message would split the Markdown table's cell.
     */
    static String failure(String log, int rc, Path logFile) {
        String error = log.lines().filter(l -> l.startsWith("tailor train: ")).reduce((a, b) -> b).orElse(null);
        return "failed: " + (error != null ? error.substring("tailor train: ".length()).replace('|', '/') : "exit " + rc)
                + " (log: " + logFile + ")";
    }

    private static final JsonMapper JSON = new JsonMapper();
    private static final Pattern SUMMARY = Pattern.compile("trainable params: ([\\d,]+) \\|\\| all params: ([\\d,]+)");

    /** The figures of a finished run: the summary line of its log, its result.json and its metrics. */
    static Comparison.Row row(String method, String log, JsonNode result, Path metrics) throws IOException {
        Matcher m = SUMMARY.matcher(log);
        long trainable = -1, total = -1;
        if (m.find()) { trainable = Long.parseLong(m.group(1).replace(",", "")); total = Long.parseLong(m.group(2).replace(",", "")); }
        double tokens = 0, seconds = 0, evalLoss = Double.NaN;
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = JSON.readTree(line);
            if (n.has("tokens_per_s") && n.get("tokens_per_s").asDouble() > 0) {
                tokens += n.get("tokens").asDouble();
                seconds += n.get("tokens").asDouble() / n.get("tokens_per_s").asDouble();
            }
            if (n.has("eval_loss")) evalLoss = n.get("eval_loss").asDouble();
        }
        long hwm = result.path("vm_hwm_kb").asLong(-1);
        double compliance = result.has("compliance_total") && result.get("compliance_total").asInt() > 0
                ? result.get("compliance_passed").asDouble() / result.get("compliance_total").asInt() : Double.NaN;
        return new Comparison.Row(method, "ok", trainable, total, hwm < 0 ? Double.NaN : hwm / 1024.0, seconds > 0 ? tokens / seconds : Double.NaN,
                evalLoss, compliance);
    }

    private static Comparison.Row notRun(String method, String status) {
        return new Comparison.Row(method, status, -1, -1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    /** This JVM's java, flags (debug agents left out) and classpath. */
    static List<String> javaCommand() {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")) cmd.add(a);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return cmd;
    }
}
