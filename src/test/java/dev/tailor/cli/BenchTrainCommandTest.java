package dev.tailor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code tailor bench train}: registered under bench, its JSON line is self-consistent, bad input is refused. */
class BenchTrainCommandTest {

    @Test
    void jsonLineIsConsistentWithTheStepTime() throws Exception {
        Cli r = Cli.run("bench", "train", "--preset", "tiny", "--method", "lora", "--rank", "2", "--batch", "2", "--seq", "8",
                "--steps", "2", "--checkpointing", "--engine-gflops", "10", "--blas-gflops", "20", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        double stepS = j.get("step_s").asDouble();
        assertTrue(stepS > 0, r.out());
        // the printed figures are rounded to 2 and 4 decimals: compare at that resolution
        assertEquals(16 / stepS, j.get("tokens_per_s").asDouble(), 16 / stepS * 1e-3 + 0.01, r.out());
        assertEquals(j.get("achieved_gflops").asDouble() / 20, j.get("mfu").asDouble(), 1e-3, "mfu is against --blas-gflops");
        assertEquals(j.get("achieved_gflops").asDouble() / 10, j.get("mfu_engine").asDouble(), 1e-3);
        assertEquals("openblas", j.get("mfu_basis").asText());
        assertTrue(j.get("peak_rss_mb").asDouble() > 10, "VmHWM of a JVM is tens of MiB at least: " + r.out());
    }

    @Test
    void engineRateZeroSkipsTheEngineMfu() throws Exception {
        Cli r = Cli.run("bench", "train", "--preset", "tiny", "--method", "full", "--batch", "1", "--seq", "4",
                "--steps", "1", "--engine-gflops", "0", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out().strip());
        assertTrue(j.get("mfu_engine").isNull() && j.get("engine_gflops").isNull() && j.get("mfu").isNull(), r.out());
    }

    @Test
    void refusesDtypeWithAModelFolderAndUnknownMethods() {
        Cli r = Cli.run("bench", "train", "--model", "/nonexistent", "--dtype", "bf16", "--steps", "1");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("--dtype applies to --preset only"), r.err());
        Cli m = Cli.run("bench", "train", "--preset", "tiny", "--method", "ia3", "--steps", "1");
        assertNotEquals(0, m.code());
        assertTrue(m.err().contains("'ia3' is not available"), m.err());
    }
}
