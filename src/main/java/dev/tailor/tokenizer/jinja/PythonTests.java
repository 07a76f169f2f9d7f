package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.objects.SafeString;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Jinja2's type tests with Python's meaning where Jinjava's differ: a string is iterable and a
 * sequence, {@code x is false} holds only for the boolean False, {@code True is integer} is false.
 */
final class PythonTests {

    private PythonTests() {}

    /** One {@code is name} test. */
    private record Test(String name, Predicate<Object> test) implements ExpTest {
        @Override public String getName() { return name; }

        @Override public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return test.test(var);
        }
    }

    static List<ExpTest> all() {
        return List.of(
                new Test("string", PythonTests::isString),
                new Test("mapping", v -> v instanceof Map),
                new Test("iterable", v -> isString(v) || v instanceof Iterable || v instanceof Map || v instanceof Object[]),
                new Test("sequence", v -> isString(v) || v instanceof List || v instanceof Map || v instanceof Object[]),
                new Test("boolean", v -> v instanceof Boolean),
                new Test("true", v -> Boolean.TRUE.equals(v)),
                new Test("false", v -> Boolean.FALSE.equals(v)),
                new Test("none", v -> v == null),
                new Test("integer", v -> v instanceof Integer || v instanceof Long || v instanceof BigInteger
                        || v instanceof Short || v instanceof Byte),
                new Test("float", v -> v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal),
                new Test("number", v -> v instanceof Number || v instanceof Boolean));
    }

    private static boolean isString(Object v) {
        return v instanceof String || v instanceof SafeString;
    }
}
