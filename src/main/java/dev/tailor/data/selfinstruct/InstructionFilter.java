package dev.tailor.data.selfinstruct;

import dev.tailor.eval.RougeL;
import dev.tailor.tokenizer.PythonStrings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Self-Instruct filters over a growing pool of instructions: cheap text rules first, then
 * exact duplicates, then ROUGE-L similarity against everything in the pool (seed and accepted
 * instructions). An accepted instruction joins the pool, so later candidates of the same batch
 * are compared with it. Counts how many candidates each filter rejected.
 */
public final class InstructionFilter {

    /** Python's string.punctuation. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    /**
     * The outcome for one candidate.
     *
     * @param rejection     why it was rejected, or null when it was accepted
     * @param maxSimilarity its largest ROUGE-L F against the pool (NaN when a text rule stopped it first)
     * @param mostSimilar   the pool instruction reaching that similarity, or null
     */
    public record Verdict(String instruction, Rejection rejection, double maxSimilarity, String mostSimilar) {
        public boolean accepted() { return rejection == null; }
    }

    private final FilterRules rules;
    private final List<Pattern> banned;
    private final List<String> pool = new ArrayList<>();
    private final List<List<String>> poolTokens = new ArrayList<>(); // ROUGE tokens of each pool entry
    private final Set<String> poolKeys = new HashSet<>();           // lower-cased text, for exact duplicates
    private final Map<Rejection, Integer> rejected = new EnumMap<>(Rejection.class);
    private int accepted;

    /** A filter whose pool starts with {@code initialPool} (the seed instructions). */
    public InstructionFilter(FilterRules rules, Collection<String> initialPool) {
        this.rules = rules;
        this.banned = new ArrayList<>();
        // Python: re.compile(r'\b({0})\b'.format(w), flags=re.IGNORECASE); \b is Unicode-aware there.
        for (String w : rules.bannedWords()) {
            banned.add(Pattern.compile("\\b(" + Pattern.quote(w) + ")\\b",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS));
        }
        for (String s : initialPool) addToPool(s);
        for (Rejection r : Rejection.values()) rejected.put(r, 0);
    }

    /** Runs every filter on {@code instruction}; when it passes, adds it to the pool. */
    public Verdict offer(String instruction) {
        Rejection textRule = textRule(instruction);
        if (textRule != null) return reject(new Verdict(instruction, textRule, Double.NaN, null));
        if (poolKeys.contains(key(instruction))) return reject(new Verdict(instruction, Rejection.DUPLICATE, 1.0, instruction));
        List<String> tokens = RougeL.tokenize(instruction);
        double best = 0;
        String closest = null;
        for (int i = 0; i < pool.size(); i++) {
            double f = RougeL.score(tokens, poolTokens.get(i)).fmeasure();
            if (f > best || closest == null) { best = f; closest = pool.get(i); }
        }
        if (best > rules.maxSimilarity()) return reject(new Verdict(instruction, Rejection.TOO_SIMILAR, best, closest));
        addToPool(instruction);
        accepted++;
        return new Verdict(instruction, null, best, closest);
    }

    /** The first text rule that rejects the instruction, or null when all pass. */
    Rejection textRule(String instruction) {
        int words = PythonStrings.split(instruction).size();
        if (words < rules.minWords()) return Rejection.TOO_SHORT;
        if (words > rules.maxWords()) return Rejection.TOO_LONG;
        for (Pattern p : banned) if (p.matcher(instruction).find()) return Rejection.BANNED_KEYWORD;
        for (String prefix : rules.bannedPrefixes()) if (instruction.startsWith(prefix)) return Rejection.BANNED_PREFIX;
        char first = instruction.charAt(0); // non-empty: it has at least minWords >= 1 words
        if (PUNCTUATION.indexOf(first) >= 0) return Rejection.STARTS_WITH_PUNCTUATION;
        if (first > 0x7f) return Rejection.STARTS_WITH_NON_ASCII;
        return null;
    }

    /** How many candidates each filter rejected (every reason present, zeros included). */
    public Map<Rejection, Integer> rejectedCounts() { return Map.copyOf(rejected); }

    public int acceptedCount() { return accepted; }

    /** Seed and accepted instructions, in the order they joined. */
    public List<String> pool() { return List.copyOf(pool); }

    private Verdict reject(Verdict v) {
        rejected.merge(v.rejection(), 1, Integer::sum);
        return v;
    }

    private void addToPool(String s) {
        pool.add(s);
        poolTokens.add(RougeL.tokenize(s));
        poolKeys.add(key(s));
    }

    private static String key(String s) { return s.toLowerCase(Locale.ROOT); }
}
