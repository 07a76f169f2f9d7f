package dev.tailor.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=..., separators=..., sort_keys=...)},
 * which Hugging Face installs as the {@code tojson} filter. Output matches CPython byte for byte:
 * {@code ", "}/{@code ": "} separators without indent, {@code ","} with it, floats in
 * {@code repr} form ({@code 1e-05}, {@code 1.0}), non-ASCII text unescaped.
 */
public final class PythonJson {

    /** The formatting options of json.dumps; {@code indent == null} means single-line. */
    public record Options(String indent, String itemSeparator, String keySeparator, boolean sortKeys) {
        public static Options defaults(String indent) {
            return new Options(indent, indent == null ? ", " : ",", ": ", false);
        }
    }

    private PythonJson() {}

    public static String dumps(Object value, Options options) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, options, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, Options o, int level) {
        switch (v) {
            case null -> sb.append("null");
            case Boolean b -> sb.append(b ? "true" : "false");
            case CharSequence s -> quote(sb, s.toString());
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Short s -> sb.append(s);
            case Byte b -> sb.append(b);
            case BigInteger b -> sb.append(b);
            case Number n -> sb.append(floatRepr(n.doubleValue()));
            case Map<?, ?> m -> writeMap(sb, m, o, level);
            case Iterable<?> it -> writeList(sb, it, o, level);
            case Object[] arr -> writeList(sb, java.util.Arrays.asList(arr), o, level);
            default -> throw new IllegalArgumentException(
                    "tojson: Object of type " + v.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private static void writeList(StringBuilder sb, Iterable<?> items, Options o, int level) {
        List<Object> list = new ArrayList<>();
        items.forEach(list::add);
        if (list.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) sb.append(o.itemSeparator());
            newline(sb, o, level + 1);
            write(sb, list.get(i), o, level + 1);
        }
        newline(sb, o, level);
        sb.append(']');
    }

    private static void writeMap(StringBuilder sb, Map<?, ?> map, Options o, int level) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        map.forEach((k, v) -> entries.add(Map.entry(key(k), v == null ? NULL : v)));
        if (o.sortKeys()) entries.sort(Map.Entry.comparingByKey());
        sb.append('{');
        for (int i = 0; i < entries.size(); i++) {
            if (i > 0) sb.append(o.itemSeparator());
            newline(sb, o, level + 1);
            quote(sb, entries.get(i).getKey());
            sb.append(o.keySeparator());
            Object value = entries.get(i).getValue();
            write(sb, value == NULL ? null : value, o, level + 1);
        }
        newline(sb, o, level);
        sb.append('}');
    }

    private static final Object NULL = new Object();

    /** Dict keys the way json.dumps converts them: str as is, numbers/bools/None to text. */
    private static String key(Object k) {
        return switch (k) {
            case null -> "null";
            case CharSequence s -> s.toString();
            case Boolean b -> b ? "true" : "false";
            case Integer i -> i.toString();
            case Long l -> l.toString();
            case Number n -> floatRepr(n.doubleValue());
            default -> throw new IllegalArgumentException(
                    "tojson: keys must be str, int, float, bool or None, not " + k.getClass().getSimpleName());
        };
    }

    private static void newline(StringBuilder sb, Options o, int level) {
        if (o.indent() == null) return;
        sb.append('\n');
        for (int i = 0; i < level; i++) sb.append(o.indent());
    }

    /** A JSON string literal with json.dumps' escapes (ensure_ascii=False). */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip (Java's
     * Double.toString finds the same digits), written in fixed notation when the decimal
     * exponent is in [-4, 16) and as {@code d.ddde+XX} otherwise.
     */
    public static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        String sign = d < 0 ? "-" : "";
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale();
        if (exp >= -4 && exp < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        String e = String.format("%02d", Math.abs(exp));
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + e;
    }
}
