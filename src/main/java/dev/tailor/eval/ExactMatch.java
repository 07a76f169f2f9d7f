package dev.tailor.eval;

import dev.tailor.tokenizer.PythonStrings;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Exact match after optional normalisation. With every option on it is the SQuAD v1.1 evaluation
 * script's {@code normalize_answer}: lowercase, drop ASCII punctuation, replace the words a / an /
 * the with a space, collapse whitespace. Options always apply in that order.
 */
public final class ExactMatch {

    public enum Normalization { LOWERCASE, STRIP_PUNCTUATION, STRIP_ARTICLES, COLLAPSE_WHITESPACE }

    /** The SQuAD normalisation. */
    public static final Set<Normalization> SQUAD = EnumSet.allOf(Normalization.class);
    /** Compare the strings as they are. */
    public static final Set<Normalization> NONE = EnumSet.noneOf(Normalization.class);

    // Python 3's \b is Unicode-aware; UNICODE_CHARACTER_CLASS gives Java's \b the same word characters.
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    /** Python's string.punctuation. */
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private ExactMatch() {}

    public static String normalize(String text, Set<Normalization> options) {
        String s = text;
        if (options.contains(Normalization.LOWERCASE)) s = s.toLowerCase(Locale.ROOT);
        if (options.contains(Normalization.STRIP_PUNCTUATION)) s = stripPunctuation(s);
        if (options.contains(Normalization.STRIP_ARTICLES)) s = ARTICLES.matcher(s).replaceAll(" ");
        if (options.contains(Normalization.COLLAPSE_WHITESPACE)) s = PythonStrings.collapseWhitespace(s);
        return s;
    }

    /** Whether the normalised prediction equals the normalised reference. */
    public static boolean matches(String prediction, String reference, Set<Normalization> options) {
        return normalize(prediction, options).equals(normalize(reference, options));
    }

    /** Whether the prediction matches any reference (SQuAD's max over ground truths). */
    public static boolean matchesAny(String prediction, List<String> references, Set<Normalization> options) {
        String p = normalize(prediction, options);
        for (String r : references) if (p.equals(normalize(r, options))) return true;
        return false;
    }

    /** Percentage (0-100) of predictions that match any of their references. */
    public static double score(List<String> predictions, List<List<String>> references, Set<Normalization> options) {
        if (predictions.size() != references.size()) {
            throw new IllegalArgumentException("exact match: " + predictions.size() + " predictions but " + references.size() + " reference lists");
        }
        if (predictions.isEmpty()) throw new IllegalArgumentException("exact match: no predictions to score");
        int hits = 0;
        for (int i = 0; i < predictions.size(); i++) if (matchesAny(predictions.get(i), references.get(i), options)) hits++;
        return 100.0 * hits / predictions.size();
    }

    private static String stripPunctuation(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (PUNCTUATION.indexOf(c) < 0) b.append(c);
        }
        return b.toString();
    }
}
