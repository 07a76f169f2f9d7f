package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.ZonedDateTime;
import java.util.List;

/**
 * The globals Hugging Face adds to the chat-template environment ({@code raise_exception},
 * {@code strftime_now}). Methods are public static because Jinjava binds functions by reflection.
 */
public final class JinjaFunctions {

    private JinjaFunctions() {}

    static List<ELFunctionDefinition> all() {
        return List.of(
                new ELFunctionDefinition("", "raise_exception", JinjaFunctions.class, "raiseException", Object.class),
                new ELFunctionDefinition("", "strftime_now", JinjaFunctions.class, "strftimeNow", String.class));
    }

    /** {@code raise_exception(message)}: aborts rendering with the template's own message. */
    public static Object raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    /** {@code strftime_now(format)}: the current local time, formatted like Python's strftime. */
    public static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format);
    }

    /** Carries a raise_exception message through Jinjava's error collection. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }
}
