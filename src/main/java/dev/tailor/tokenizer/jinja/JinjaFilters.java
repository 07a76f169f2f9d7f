package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import dev.tailor.tokenizer.PythonStrings;
import java.util.List;
import java.util.Map;

/** Filters whose Hugging Face / Jinja2 behaviour Jinjava's built-ins do not reproduce. */
final class JinjaFilters {

    private JinjaFilters() {}

    static List<Filter> all() {
        return List.of(new ToJson(), new Trim());
    }

    /**
     * {@code x | tojson(indent=None, separators=None, sort_keys=False)} as transformers defines
     * it: json.dumps with ensure_ascii=False (Jinja2's own tojson would HTML-escape).
     */
    static final class ToJson implements Filter {
        @Override public String getName() { return "tojson"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.getOrDefault("indent", args.length > 0 ? args[0] : null);
            String indentText = switch (indent) {
                case null -> null;
                case Number n -> " ".repeat(n.intValue());
                default -> indent.toString();
            };
            PythonJson.Options o = PythonJson.Options.defaults(indentText);
            if (kwargs.get("separators") instanceof List<?> seps && seps.size() == 2) {
                o = new PythonJson.Options(indentText, seps.get(0).toString(), seps.get(1).toString(), o.sortKeys());
            }
            if (Boolean.TRUE.equals(kwargs.get("sort_keys"))) {
                o = new PythonJson.Options(o.indent(), o.itemSeparator(), o.keySeparator(), true);
            }
            return PythonJson.dumps(var, o);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }
    }

    /** {@code x | trim(chars=None)}: Python's str(x).strip(chars), with Python's whitespace set. */
    static final class Trim implements Filter {
        @Override public String getName() { return "trim"; }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = kwargs.getOrDefault("chars", args.length > 0 ? args[0] : null);
            return PythonStrings.strip(PythonValues.str(var), chars == null ? null : chars.toString());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }
    }
}
