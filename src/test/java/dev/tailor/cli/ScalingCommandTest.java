package dev.tailor.cli;

import dev.tailor.eval.scaling.ScalingLaw;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tailor scaling fit} end to end on a runs file written from a known law. */
class ScalingCommandTest {

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    static Path runsFile(Path dir, ScalingLaw law, String method) throws IOException {
        StringBuilder b = new StringBuilder();
        for (double x : new double[]{1e8, 1e9}) {
            for (double d : new double[]{1e3, 1e4, 1e5}) {
                b.append(String.format(Locale.ROOT, "{\"x\": %s, \"d\": %s, \"loss\": %.12f%s}%n", x, d, law.predict(x, d),
                        method == null ? "" : ", \"method\": \"" + method + "\""));
            }
        }
        Path f = dir.resolve("runs.jsonl");
        Files.writeString(f, b.toString());
        return f;
    }

    @Test void fitsPrintsPredictsAndPlots(@TempDir Path dir) throws IOException {
        ScalingLaw law = new ScalingLaw(500, 0.2, 0.3, 1.25);
        Path runs = runsFile(dir, law, null);
        Path png = dir.resolve("fit.png");
        Run r = run("scaling", "fit", "--runs", runs.toString(), "--predict", "3e9,5e4", "--plot", png.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("alpha = 0.200000"), r.out());
        assertTrue(r.out().contains("beta  = 0.300000"), r.out());
        assertTrue(r.out().contains("E     = 1.25000"), r.out());
        // 500 * (3e9)^-0.2 * (5e4)^-0.3 + 1.25, printed with 6 significant digits
        String predicted = String.format(Locale.ROOT, "%.6g", 500 * Math.pow(3e9, -0.2) * Math.pow(5e4, -0.3) + 1.25);
        assertTrue(r.out().contains("predicted loss at X=3.00000e+09, D=50000.0: " + predicted), r.out());

        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(560, img.getHeight());
        int colours = 0;
        for (int y = 0; y < img.getHeight(); y += 4) for (int x = 0; x < img.getWidth(); x += 4) if ((img.getRGB(x, y) & 0xffffff) != 0xffffff) colours++;
        assertTrue(colours > 200, "the plot is nearly blank: " + colours + " non-white samples");
    }

    @Test void oneFitAndOnePlotPerMethod(@TempDir Path dir) throws IOException {
        Path runs = runsFile(dir, new ScalingLaw(500, 0.2, 0.3, 1.25), "lora");
        Run r = run("scaling", "fit", "--runs", runs.toString(), "--plot", dir.resolve("p.png").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("method lora:"), r.out());
        assertTrue(Files.exists(dir.resolve("p.png")), "a single method keeps the given file name");
    }

    @Test void errorsAreOneLineNamingTheFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("few.jsonl");
        Files.writeString(f, "{\"x\": 1, \"d\": 2, \"loss\": 3}\n");
        Run r = run("scaling", "fit", "--runs", f.toString());
        assertEquals(1, r.exit());
        assertEquals("tailor fit: " + f + ": 1 run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least 4 (one per parameter)",
                r.err().strip());
        Run bad = run("scaling", "fit", "--runs", runsFile(dir, new ScalingLaw(500, 0.2, 0.3, 1.25), null).toString(), "--predict", "3e9");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("--predict expects X,D (two numbers), got '3e9'"), bad.err());
    }
}
