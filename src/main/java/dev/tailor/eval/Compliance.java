package dev.tailor.eval;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a generated answer follows the instruction of a demo row, by one exact rule per task:
 * <ul>
 *   <li>say, repeat, upper, last: the answer, without leading and trailing whitespace, equals the
 *       expected words exactly (case, spacing and punctuation included: "Moon", "moon." and
 *       "moon  moon" do not comply);</li>
 *   <li>same (yes/no): the answer, without surrounding whitespace and at most one final '.' or
 *       '!', equals "yes" or "no" as expected, in any letter case ("Yes." complies).</li>
 * </ul>
 * The expected answer comes from the task and the row's words, not from the row's stored
 * assistant message.
 */
public final class Compliance {

    private Compliance() {}

    /** Whether {@code answer} complies with the instruction of {@code c}. */
    public static boolean complies(InstructionCase c, String answer) {
        String expected = c.expected();
        String a = answer.strip();
        return switch (c.task()) {
            case SAY, REPEAT, UPPER, LAST -> a.equals(expected);
            case SAME -> yesNo(a).equals(expected);
        };
    }

    private static String yesNo(String answer) {
        String a = answer.endsWith(".") || answer.endsWith("!") ? answer.substring(0, answer.length() - 1) : answer;
        return a.toLowerCase(Locale.ROOT);
    }

    /** Complying answers out of a number of rows. */
    public record Tally(int passed, int total) {
        /** passed / total, or 0 for no rows. */
        public double share() {
            return total == 0 ? 0 : (double) passed / total;
        }

        Tally plus(boolean ok) {
            return new Tally(passed + (ok ? 1 : 0), total + 1);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d/%d (%.1f%%)", passed, total, 100 * share());
        }
    }

    /** The share of complying answers overall, by task, and for held-out and seen words. */
    public record Report(Tally all, Map<InstructionTask, Tally> byTask, Tally heldOut, Tally seen) {
        public Report {
            byTask = Map.copyOf(byTask);
        }

        /** One line per figure, tasks in their declared order. */
        public String summary() {
            StringBuilder s = new StringBuilder("compliance " + all + "\n");
            for (InstructionTask t : InstructionTask.values()) {
                if (byTask.containsKey(t)) s.append("  ").append(t.id()).append(": ").append(byTask.get(t)).append('\n');
            }
            s.append("  held-out words: ").append(heldOut).append("\n  seen words: ").append(seen).append('\n');
            return s.toString();
        }
    }

    /** Scores {@code answers[i]} against {@code cases[i]}. */
    public static Report score(List<InstructionCase> cases, List<String> answers) {
        if (cases.size() != answers.size()) {
            throw new IllegalArgumentException("expected one answer per row: " + cases.size() + " rows, "
                    + answers.size() + " answers");
        }
        Tally all = new Tally(0, 0), heldOut = new Tally(0, 0), seen = new Tally(0, 0);
        Map<InstructionTask, Tally> byTask = new EnumMap<>(InstructionTask.class);
        for (int i = 0; i < cases.size(); i++) {
            InstructionCase c = cases.get(i);
            boolean ok = complies(c, answers.get(i));
            all = all.plus(ok);
            byTask.merge(c.task(), new Tally(0, 0).plus(ok), (x, y) -> new Tally(x.passed + y.passed, x.total + y.total));
            if (c.heldOut()) heldOut = heldOut.plus(ok);
            else seen = seen.plus(ok);
        }
        return new Report(all, byTask, heldOut, seen);
    }
}
