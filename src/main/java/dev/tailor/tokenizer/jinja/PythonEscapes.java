package dev.tailor.tokenizer.jinja;

/** Python's backslash escapes in string literals, as Jinja2 decodes them. */
final class PythonEscapes {

    private PythonEscapes() {}

    /**
     * Decodes the escape whose letter is at {@code in[i]} (just after the backslash), appends
     * its text to {@code out} and returns the index after it. Unknown escapes keep the
     * backslash, as Python does; a backslash before a newline joins the lines.
     */
    static int append(String in, int i, StringBuilder out) {
        char e = in.charAt(i);
        switch (e) {
            case '\n' -> { return i + 1; }
            case '\\', '\'', '"' -> out.append(e);
            case 'n' -> out.append('\n');
            case 't' -> out.append('\t');
            case 'r' -> out.append('\r');
            case 'b' -> out.append('\b');
            case 'f' -> out.append('\f');
            case 'v' -> out.append('\u000B');
            case 'a' -> out.append('\u0007');
            case 'x' -> { return hex(in, i, 2, out); }
            case 'u' -> { return hex(in, i, 4, out); }
            case 'U' -> { return hex(in, i, 8, out); }
            default -> {
                if (e >= '0' && e <= '7') return octal(in, i, out);
                out.append('\\').append(e);
            }
        }
        return i + 1;
    }

    private static int hex(String in, int i, int digits, StringBuilder out) {
        int end = i + 1 + digits;
        if (end > in.length()) throw new IllegalArgumentException("truncated \\" + in.charAt(i) + " escape in a string literal");
        try {
            out.appendCodePoint(Integer.parseInt(in.substring(i + 1, end), 16));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("bad \\" + in.charAt(i) + " escape in a string literal: "
                    + in.substring(i - 1, end), ex);
        }
        return end;
    }

    private static int octal(String in, int i, StringBuilder out) {
        int end = i;
        while (end < in.length() && end < i + 3 && in.charAt(end) >= '0' && in.charAt(end) <= '7') end++;
        out.appendCodePoint(Integer.parseInt(in.substring(i, end), 8));
        return end;
    }
}
