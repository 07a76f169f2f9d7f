package dev.tailor.peft;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which modules a method applies to, in the three forms PEFT's {@code target_modules} takes: a list
 * of names (a module matches when its path equals a name or ends with {@code "." + name}), one
 * regular expression that must match the whole module path, or {@code "all-linear"} (every linear
 * layer except the output head). {@link ModuleSelector} applies them to a model.
 */
public sealed interface Targets {

    /** PEFT's shorthand for every linear layer except the output head. */
    String ALL_LINEAR = "all-linear";

    /** Names matched against the last path component(s), e.g. {@code q_proj} or {@code self_attn.q_proj}. */
    record Names(List<String> names) implements Targets {
        public Names {
            names = List.copyOf(names);
            for (String n : names) if (n.isEmpty()) throw new IllegalArgumentException("target module names must not be empty, got " + names);
        }

        public boolean matches(String path) {
            for (String n : names) if (path.equals(n) || path.endsWith("." + n)) return true;
            return false;
        }
    }

    /** A Java regular expression matched against the whole module path (Python's {@code re.fullmatch}). */
    record Regex(String pattern) implements Targets {
        public Regex {
            Pattern.compile(pattern); // refuses a malformed expression here, naming it
        }

        public boolean matches(String path) { return Pattern.matches(pattern, path); }
    }

    /** Every linear layer but the output head. */
    record AllLinear() implements Targets {}
}
