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
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        cl.getErr().println("tailor " + cl.getCommandName() + ": " + msg);
        return 1;
    }
}
