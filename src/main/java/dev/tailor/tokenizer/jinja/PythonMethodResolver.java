package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.objects.SafeString;
import dev.tailor.tokenizer.PythonStrings;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Resolves Python method calls on strings and dicts ({@code s.startswith('x')},
 * {@code d.items()}) before Jinjava's bean resolver sees them: chat templates are written for
 * Python objects, and Java's own methods (String.split returning an array, for one) differ.
 * Anything it does not know is left unresolved for the next resolver.
 */
final class PythonMethodResolver extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] types, Object[] params) {
        if (method == null) return null;
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        Object result = NOT_HANDLED;
        if (base instanceof String || base instanceof SafeString) {
            result = stringMethod(base.toString(), name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = mapMethod(map, name, args);
        }
        if (result == NOT_HANDLED) return null;
        context.setPropertyResolved(true);
        return result;
    }

    private static final Object NOT_HANDLED = new Object();

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "startswith" -> affix(s, a, name, true);
            case "endswith" -> affix(s, a, name, false);
            case "strip" -> PythonStrings.strip(s, optString(a, 0, name));
            case "lstrip" -> PythonStrings.lstrip(s, optString(a, 0, name));
            case "rstrip" -> PythonStrings.rstrip(s, optString(a, 0, name));
            case "split" -> PythonStrings.split(s, optString(a, 0, name), optInt(a, 1, -1, name));
            case "rsplit" -> PythonStrings.rsplit(s, optString(a, 0, name), optInt(a, 1, -1, name));
            case "splitlines" -> splitlines(s);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> PythonStrings.title(s);
            case "capitalize" -> PythonStrings.capitalize(s);
            case "replace" -> PythonStrings.replace(s, string(a, 0, name), string(a, 1, name), optInt(a, 2, -1, name));
            case "find" -> codePointIndex(s, s.indexOf(string(a, 0, name)));
            case "rfind" -> codePointIndex(s, s.lastIndexOf(string(a, 0, name)));
            case "count" -> PythonStrings.count(s, string(a, 0, name));
            case "join" -> join(s, arg(a, 0, name));
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(PythonStrings::isSpace);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase) && s.equals(s.toUpperCase(Locale.ROOT));
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase) && s.equals(s.toLowerCase(Locale.ROOT));
            default -> NOT_HANDLED;
        };
    }

    private static Object mapMethod(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                List<List<Object>> items = new ArrayList<>();
                map.forEach((k, v) -> items.add(java.util.Arrays.asList(k, v)));
                yield items;
            }
            case "keys" -> new ArrayList<>(map.keySet());
            case "values" -> new ArrayList<>(map.values());
            case "get" -> {
                Object key = arg(a, 0, name);
                yield map.containsKey(key) ? map.get(key) : (a.length > 1 ? a[1] : null);
            }
            default -> NOT_HANDLED;
        };
    }

    /** startswith/endswith accept one affix or a tuple (a list here) of them. */
    private static boolean affix(String s, Object[] a, String name, boolean start) {
        Object x = arg(a, 0, name);
        if (x instanceof Collection<?> options) {
            for (Object o : options) if (start ? s.startsWith(str(o, name)) : s.endsWith(str(o, name))) return true;
            return false;
        }
        return start ? s.startsWith(str(x, name)) : s.endsWith(str(x, name));
    }

    private static List<String> splitlines(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E)
                    || c == 0x85 || c == 0x2028 || c == 0x2029;
            if (!lineBreak) continue;
            out.add(s.substring(start, i));
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
            start = i + 1;
        }
        if (start < s.length()) out.add(s.substring(start));
        return out;
    }

    private static String join(String sep, Object items) {
        if (!(items instanceof Iterable<?> it)) {
            throw new IllegalArgumentException("join(): expected a list, found " + typeName(items));
        }
        StringBuilder sb = new StringBuilder();
        Iterator<?> iter = it.iterator();
        while (iter.hasNext()) {
            sb.append(str(iter.next(), "join"));
            if (iter.hasNext()) sb.append(sep);
        }
        return sb.toString();
    }

    private static int codePointIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    private static Object arg(Object[] a, int i, String method) {
        if (i >= a.length) {
            throw new IllegalArgumentException(method + "(): expected at least " + (i + 1) + " argument(s), found " + a.length);
        }
        return a[i];
    }

    private static String string(Object[] a, int i, String method) {
        return str(arg(a, i, method), method);
    }

    private static String optString(Object[] a, int i, String method) {
        return i < a.length && a[i] != null ? str(a[i], method) : null;
    }

    private static int optInt(Object[] a, int i, int dflt, String method) {
        if (i >= a.length || a[i] == null) return dflt;
        if (a[i] instanceof Number n) return n.intValue();
        throw new IllegalArgumentException(method + "(): expected an integer argument, found " + typeName(a[i]));
    }

    private static String str(Object o, String method) {
        if (o instanceof String || o instanceof SafeString) return o.toString();
        throw new IllegalArgumentException(method + "(): expected a string argument, found " + typeName(o));
    }

    private static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    // Property access is left to the resolvers behind this one.
    @Override public Object getValue(ELContext context, Object base, Object property) { return null; }
    @Override public Class<?> getType(ELContext context, Object base, Object property) { return null; }
    @Override public void setValue(ELContext context, Object base, Object property, Object value) {}
    @Override public boolean isReadOnly(ELContext context, Object base, Object property) { return true; }
    @Override public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) { return null; }
    @Override public Class<?> getCommonPropertyType(ELContext context, Object base) { return Object.class; }
}
