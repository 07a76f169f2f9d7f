package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.objects.SafeString;
import java.util.Map;
import java.util.StringJoiner;

/** Python's {@code str()} and {@code repr()} of template values (None, True, lists, dicts). */
final class PythonValues {

    private PythonValues() {}

    static String str(Object v) {
        if (v instanceof CharSequence || v instanceof SafeString) return v.toString();
        return repr(v);
    }

    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case Boolean b -> b ? "True" : "False";
            case CharSequence s -> quote(s.toString());
            case SafeString s -> quote(s.toString());
            case Double d -> PythonJson.floatRepr(d);
            case Float f -> PythonJson.floatRepr(f);
            case Map<?, ?> m -> {
                StringJoiner j = new StringJoiner(", ", "{", "}");
                m.forEach((k, x) -> j.add(repr(k) + ": " + repr(x)));
                yield j.toString();
            }
            case Iterable<?> it -> {
                StringJoiner j = new StringJoiner(", ", "[", "]");
                it.forEach(x -> j.add(repr(x)));
                yield j.toString();
            }
            default -> v.toString();
        };
    }

    /** repr of a str: single quotes unless the text has a single quote and no double quote. */
    private static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c == q) sb.append('\\').append(c);
                    else if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append(q).toString();
    }
}
