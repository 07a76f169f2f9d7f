package dev.tailor.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} methods with CPython's semantics, for chat templates that call them
 * ({@code content.split('</think>')[-1].lstrip('\n')}) and for the metric and data scripts whose
 * results Tailor reproduces (sacreBLEU's tokeniser, Self-Instruct's filters). Whitespace is Python's
 * {@code str.isspace} set, not Java's {@link Character#isWhitespace}, so splitting and stripping
 * agree with Python on every input.
 */
public final class PythonStrings {

    private PythonStrings() {}

    /** Python's {@code str.isspace()} for one code point (CPython's _PyUnicode_IsWhitespace table). */
    public static boolean isSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
                 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** {@code s.split()}: runs of whitespace separate, no empty pieces. */
    public static List<String> split(String s) {
        return split(s, null, -1);
    }

    /** {@code " ".join(s.split())}: whitespace collapsed to single spaces, ends stripped. */
    public static String collapseWhitespace(String s) {
        return String.join(" ", split(s));
    }

    /** {@code s.rstrip()}. */
    public static String rstrip(String s) {
        return rstrip(s, null);
    }

    /** {@code s.strip(chars)}; {@code chars == null} strips Python whitespace. */
    public static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    /** {@code s.lstrip(chars)}. */
    public static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (!strippable(cp, chars)) break;
            i += Character.charCount(cp);
        }
        return s.substring(i);
    }

    /** {@code s.rstrip(chars)}. */
    public static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!strippable(cp, chars)) break;
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    private static boolean strippable(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** {@code s.split(sep, maxsplit)}; {@code sep == null} splits on runs of whitespace. */
    public static List<String> split(String s, String sep, int maxsplit) {
        if (sep == null) return splitWhitespace(s, maxsplit);
        if (sep.isEmpty()) throw new IllegalArgumentException("split(): empty separator");
        List<String> out = new ArrayList<>();
        int start = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, start);
            if (at < 0) break;
            out.add(s.substring(start, at));
            start = at + sep.length();
        }
        out.add(s.substring(start));
        return out;
    }

    /** {@code s.rsplit(sep, maxsplit)} for an explicit separator. */
    public static List<String> rsplit(String s, String sep, int maxsplit) {
        if (sep == null) return splitWhitespace(s, maxsplit < 0 ? -1 : maxsplit);
        if (sep.isEmpty()) throw new IllegalArgumentException("rsplit(): empty separator");
        List<String> out = new ArrayList<>();
        int end = s.length();
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0) break;
            out.addFirst(s.substring(at + sep.length(), end));
            end = at;
        }
        out.addFirst(s.substring(0, end));
        return out;
    }

    private static List<String> splitWhitespace(String s, int maxsplit) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i >= n) return out;
            if (maxsplit >= 0 && out.size() == maxsplit) {
                out.add(rstrip(s.substring(i), null));
                return out;
            }
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            out.add(s.substring(start, i));
        }
    }

    /** {@code s.replace(old, new, count)}; {@code count < 0} replaces all. */
    public static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            if (old.isEmpty()) return insertBetweenAll(s, replacement);
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int start = 0;
        for (int done = 0; done < count; done++) {
            int at = s.indexOf(old, start);
            if (at < 0) break;
            sb.append(s, start, at).append(replacement);
            start = at + old.length();
            if (old.isEmpty()) {
                if (start >= s.length()) { start = s.length(); break; }
                int cp = s.codePointAt(start);
                sb.appendCodePoint(cp);
                start += Character.charCount(cp);
            }
        }
        return sb.append(s, start, s.length()).toString();
    }

    private static String insertBetweenAll(String s, String r) {
        StringBuilder sb = new StringBuilder(r);
        s.codePoints().forEach(cp -> sb.appendCodePoint(cp).append(r));
        return sb.toString();
    }

    /** {@code s.title()}: upper-case the first cased letter of each run of letters. */
    public static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            sb.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    /** {@code s.capitalize()}: first character title-cased, the rest lower-cased. */
    public static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new StringBuilder().appendCodePoint(Character.toTitleCase(first))
                .append(s.substring(n).toLowerCase(Locale.ROOT)).toString();
    }

    /** {@code s.count(sub)} of non-overlapping occurrences. */
    public static int count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }
}
