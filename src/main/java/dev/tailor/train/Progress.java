package dev.tailor.train;

import java.io.PrintStream;

/**
 * The progress line on stderr: step/total, a bar, loss, learning rate, tokens/s and ETA. On a
 * terminal it redraws in place; otherwise (a log file) it prints one line per logged step.
 */
final class Progress {

    private static final int BAR = 24;

    private final PrintStream err;
    private final boolean terminal;
    private final int total;
    private final long startNanos = System.nanoTime();
    private final int startStep;
    private long tokens;

    Progress(PrintStream err, boolean terminal, int startStep, int total) {
        this.err = err;
        this.terminal = terminal;
        this.startStep = startStep;
        this.total = total;
    }

    void addTokens(long n) { tokens += n; }

    /** Tokens per second since this run (or resume) started. */
    double tokensPerSecond() {
        double s = (System.nanoTime() - startNanos) / 1e9;
        return s > 0 ? tokens / s : 0;
    }

    void show(int step, double loss, double lr) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        int done = step - startStep;
        long eta = done > 0 ? Math.round(elapsed / done * (total - step)) : 0;
        int filled = (int) ((long) BAR * step / total);
        String bar = "=".repeat(filled) + (filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "");
        String line = String.format("step %d/%d [%s] loss %.4f | lr %.3e | %,.0f tok/s | ETA %s", step, total, bar, loss, lr,
                tokensPerSecond(), clock(eta));
        if (terminal) err.print("\r" + line + (step == total ? "\n" : ""));
        else err.println(line);
        err.flush();
    }

    /** A message on its own line (the progress line is ended first on a terminal). */
    void note(String message) {
        if (terminal) err.print("\r\033[K");
        err.println(message);
    }

    static String clock(long seconds) {
        return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
