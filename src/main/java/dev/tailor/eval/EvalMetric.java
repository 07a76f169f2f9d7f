package dev.tailor.eval;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What {@code tailor eval} can measure; the generation metrics continue each row's prompt and compare with its references. */
public enum EvalMetric {
    LOSS("loss"), PERPLEXITY("perplexity"), ROUGE_L("rouge-l"), BLEU("bleu"), EXACT_MATCH("exact-match"), ACCURACY("accuracy");

    public final String flag;

    EvalMetric(String flag) { this.flag = flag; }

    /** Whether the metric scores generated text. */
    public boolean generates() { return this == ROUGE_L || this == BLEU || this == EXACT_MATCH; }

    /** The metrics of a comma-separated list such as {@code loss,rouge-l}; an unknown name is refused with the known ones. */
    public static Set<EvalMetric> parse(String list) {
        Set<EvalMetric> out = EnumSet.noneOf(EvalMetric.class);
        for (String part : list.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) continue;
            EvalMetric found = null;
            for (EvalMetric m : values()) if (m.flag.equals(name) || m.flag.replace("-", "").equals(name.replace("-", "").replace("_", ""))) found = m;
            if (found == null) throw new IllegalArgumentException("--metrics: unknown metric '" + part.trim() + "'; expected some of " + flags());
            out.add(found);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("--metrics: no metric named; expected some of " + flags());
        return out;
    }

    public static List<String> flags() {
        List<String> out = new ArrayList<>();
        for (EvalMetric m : values()) out.add(m.flag);
        return out;
    }

    /** Whether any of {@code metrics} generates text. */
    public static boolean anyGenerates(Set<EvalMetric> metrics) {
        for (EvalMetric m : metrics) if (m.generates()) return true;
        return false;
    }
}
