package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;

/**
 * Makes {@code {{ value }}} print what Python's {@code str(value)} prints ({@code True},
 * {@code ['a', 'b']}, {@code {'k': 'v'}}) instead of Java's toString. Null prints as the empty
 * string: Jinjava cannot tell None from an undefined variable, and undefined is the common case.
 */
final class PythonOutput implements InterpreterFactory {

    @Override
    public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
        return new Interpreter(orig);
    }

    @Override
    public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig config) {
        return new Interpreter(application, context, config);
    }

    private static final class Interpreter extends JinjavaInterpreter {
        Interpreter(JinjavaInterpreter orig) {
            super(orig);
        }

        Interpreter(Jinjava application, Context context, JinjavaConfig config) {
            super(application, context, config);
        }

        @Override
        public String getAsString(Object var) {
            return var == null ? "" : PythonValues.str(var);
        }
    }
}
