package dev.tailor.cli;

import picocli.CommandLine;

/**
 * Prints a user error (bad file, bad flag value, bad data) as one clear line instead of a stack
 * trace; set TAILOR_DEBUG=1 to see the trace.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        if (System.getenv("TAILOR_DEBUG") != null) ex.printStackTrace(cl.getErr());
        // A wrapper that only repeats its cause (new UncheckedIOException(e): "java.io.IOException: ...")
        // gives way to the cause, whose message is the one written for the user.
        Throwable t = ex;
        while (t.getCause() != null && t.getMessage() != null && t.getMessage().equals(t.getCause().toString())) t = t.getCause();
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        cl.getErr().println("tailor " + cl.getCommandName() + ": " + msg);
        return 1;
    }
}
