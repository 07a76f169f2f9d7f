package dev.tailor.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class CompareFailureTest {

    @Test
    void aFailedRunIsReportedWithTheErrorTheCommandPrinted() {
        String log = "WARNING: Using incubator modules\\ntailor train: BitFit trains bias terms, but no linear layer has a bias | use another method\\n"
                .replace("\\n", "\n");
        assertEquals("failed: BitFit trains bias terms, but no linear layer has a bias / use another method (log: out/bitfit/run.log)",
                CompareCommand.failure(log, 1, Path.of("out/bitfit/run.log")));
    }

    @Test
    void aCrashWithoutAnErrorLineGivesTheExitCode() {
        assertEquals("failed: exit 137 (log: run.log)", CompareCommand.failure("Killed\n", 137, Path.of("run.log")));
    }
}
