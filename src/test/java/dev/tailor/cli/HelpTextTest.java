package dev.tailor.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's help renders cleanly: a bare '%' in a description makes picocli print a warning
 * and show the text unformatted, which users see with --help.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpRendersWithoutPicocliWarnings() {
        List<String> problems = new ArrayList<>();
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int commands = 0;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            for (CommandLine cl : all(Main.commandLine(), new ArrayList<>())) {
                captured.reset();
                String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
                String warnings = captured.toString(StandardCharsets.UTF_8);
                if (warnings.contains("picocli WARN")) problems.add(cl.getCommandName() + ": " + warnings.lines().findFirst().orElse(""));
                if (usage.contains("%n")) problems.add(cl.getCommandName() + ": unformatted %n in its help");
                commands++;
            }
        } finally {
            System.setErr(stderr);
        }
        assertTrue(commands > 10, "expected the whole command tree, found " + commands + " commands");
        assertEquals(List.of(), problems);
    }

    private static List<CommandLine> all(CommandLine cl, List<CommandLine> into) {
        into.add(cl);
        for (CommandLine sub : cl.getSubcommands().values()) all(sub, into);
        return into;
    }
}
