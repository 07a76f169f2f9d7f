package dev.tailor.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The few Python {@code str} operations that reference metric and data scripts rely on, with
 * Python's definitions (whitespace as {@code str.isspace}, {@code capitalize} lowering the rest),
 * so results match those scripts on non-ASCII input too.
 */
public final class PythonStrings {

    private PythonStrings() {}

    /**
     * Python's {@code str.isspace} for one char: Java's isWhitespace plus the no-break spaces
     * (U+00A0, U+2007, U+202F) and NEL (U+0085), which Python counts and Java does not.
     */
    public static boolean isSpace(char c) {
        return Character.isWhitespace(c) || c == '\u00a0' || c == '\u2007' || c == '\u202f' || c == '\u0085';
    }

    /** {@code s.split()}: runs of whitespace separate, no empty pieces. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= s.length(); i++) {
            boolean space = i == s.length() || isSpace(s.charAt(i));
            if (!space && start < 0) start = i;
            if (space && start >= 0) {
                out.add(s.substring(start, i));
                start = -1;
            }
        }
        return out;
    }

    /** {@code " ".join(s.split())}: whitespace collapsed to single spaces, ends stripped. */
    public static String collapseWhitespace(String s) {
        return String.join(" ", split(s));
    }

    /** {@code s.rstrip()}. */
    public static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    /** {@code s.capitalize()}: the first character in title case, the rest lower case. */
    public static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(n).toLowerCase(Locale.ROOT)).toString();
    }
}
