package dev.tailor.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.*;

/** {@code tailor bench gemm} is registered under {@code bench} and rejects bad options. */
class BenchGemmCommandTest {

    @Test
    void registeredUnderBenchWithItsOptions() {
        CommandLine bench = Main.commandLine().getSubcommands().get("bench");
        CommandLine gemm = bench.getSubcommands().get("gemm");
        assertNotNull(gemm, "bench has a gemm subcommand");
        String usage = gemm.getUsageMessage();
        assertTrue(usage.contains("--json") && usage.contains("--iters") && usage.contains("--warmup"), usage);
    }

    @Test
    void nonPositiveIterationsAreRefused() {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("bench", "gemm", "--iters", "0");
        assertEquals(1, code, "exit code for --iters 0");
        assertTrue(err.toString().contains("--iters must be >= 1"), err.toString());
    }
}
