package dev.tailor.eval;

import dev.tailor.tokenizer.PythonStrings;

import java.util.List;
import java.util.regex.Pattern;

/**
 * sacreBLEU's default "13a" tokenizer (the mteval-v13a.pl rules used by WMT): unescape a few
 * entities, split off punctuation and symbols, split periods and commas unless they sit next to a
 * digit, split a dash that follows a digit. Whitespace is Python's {@code str.split()} whitespace.
 */
public final class Tokenizer13a {

    // sacrebleu/tokenizers/tokenizer_re.py, applied in this order with Python re.sub semantics
    // (left to right, non-overlapping), which java.util.regex replaceAll shares.
    private static final Pattern SYMBOLS = Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])");
    private static final Pattern PERIOD_COMMA_AFTER = Pattern.compile("([^0-9])([\\.,])");
    private static final Pattern PERIOD_COMMA_BEFORE = Pattern.compile("([\\.,])([^0-9])");
    private static final Pattern DASH_AFTER_DIGIT = Pattern.compile("([0-9])(-)");

    private Tokenizer13a() {}

    /** The tokens of one segment (sacreBLEU right-strips the segment first; so does this). */
    public static List<String> tokenize(String segment) {
        String line = PythonStrings.rstrip(segment);
        line = line.replace("<skipped>", "")
                .replace("-\n", "")
                .replace("\n", " ")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">");
        line = " " + line + " ";
        line = SYMBOLS.matcher(line).replaceAll(" $1 ");
        line = PERIOD_COMMA_AFTER.matcher(line).replaceAll("$1 $2 ");
        line = PERIOD_COMMA_BEFORE.matcher(line).replaceAll(" $1 $2");
        line = DASH_AFTER_DIGIT.matcher(line).replaceAll("$1 $2 ");
        return PythonStrings.split(line);
    }
}
