package dev.tailor.cli;

import dev.tailor.eval.scaling.ScalingFit;
import dev.tailor.eval.scaling.ScalingLaw;
import dev.tailor.eval.scaling.ScalingPlot;
import dev.tailor.eval.scaling.ScalingRuns;
import dev.tailor.eval.scaling.ScalingRuns.Run;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tailor scaling fit}: fits the law to a runs file, one fit per method when the runs name
 * several, prints the parameters and the fit error, optionally predicts a point and draws a plot.
 */
@Command(name = "fit", mixinStandardHelpOptions = true,
        description = "Fit L(X, D) = A·X^-alpha·D^-beta + E to runs ({\"x\", \"d\", \"loss\", optional \"method\"} per JSONL line).")
public final class ScalingFitCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--runs", required = true, description = "JSONL file of runs")
    Path runs;

    @Option(names = "--plot", description = "write a PNG of loss vs D (log-log), one curve per X; with several methods, one file per method")
    Path plot;

    @Option(names = "--predict", description = "X,D at which to predict the loss, e.g. 1e9,20000")
    String predict;

    @Override public Integer call() {
        double[] at = predict == null ? null : parsePoint(predict);
        Map<String, List<Run>> groups = ScalingRuns.byMethod(ScalingRuns.read(runs), runs);
        PrintWriter out = spec.commandLine().getOut();
        for (var e : groups.entrySet()) {
            String method = e.getKey();
            String where = runs + (method.isEmpty() ? "" : " (method '" + method + "')");
            ScalingFit.Fit fit = ScalingFit.fit(e.getValue(), where);
            ScalingLaw law = fit.law();
            if (!method.isEmpty()) out.println("method " + method + ":");
            out.printf(Locale.ROOT, "L(X, D) = A * X^-alpha * D^-beta + E fitted to %d runs%n", fit.runs());
            out.printf(Locale.ROOT, "  A     = %.6g%n  alpha = %.6g%n  beta  = %.6g%n  E     = %.6g%n", law.a(), law.alpha(), law.beta(), law.e());
            out.printf(Locale.ROOT, "  RMSE  = %.6g%n  R^2   = %.6f%n", fit.rmse(), fit.r2());
            if (at != null) out.printf(Locale.ROOT, "  predicted loss at X=%s, D=%s: %.6g%n", fmt(at[0]), fmt(at[1]), law.predict(at[0], at[1]));
            if (plot != null) {
                Path png = groups.size() == 1 ? plot : withSuffix(plot, method.isEmpty() ? "none" : method);
                String title = String.format(Locale.ROOT, "%sA=%.4g  alpha=%.4g  beta=%.4g  E=%.4g  RMSE=%.3g",
                        method.isEmpty() ? "" : method + ": ", law.a(), law.alpha(), law.beta(), law.e(), fit.rmse());
                ScalingPlot.write(png, e.getValue(), law, title);
                out.println("  plot: " + png);
            }
        }
        out.flush();
        return 0;
    }

    static double[] parsePoint(String s) {
        String[] parts = s.split(",");
        if (parts.length != 2) throw new IllegalArgumentException("--predict expects X,D (two numbers), got '" + s + "'");
        double[] v = new double[2];
        for (int i = 0; i < 2; i++) {
            try {
                v[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("--predict expects X,D (two numbers), '" + parts[i].trim() + "' is not a number");
            }
            if (!(v[i] > 0) || !Double.isFinite(v[i])) throw new IllegalArgumentException("--predict values must be positive, got '" + parts[i].trim() + "'");
        }
        return v;
    }

    private static Path withSuffix(Path png, String method) {
        String name = png.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String safe = method.replaceAll("[^A-Za-z0-9_.-]", "_");
        String out = dot > 0 ? name.substring(0, dot) + "-" + safe + name.substring(dot) : name + "-" + safe;
        return png.resolveSibling(out);
    }

    private static String fmt(double v) { return String.format(Locale.ROOT, "%.6g", v); }
}
