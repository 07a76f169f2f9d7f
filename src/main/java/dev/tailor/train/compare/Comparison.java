package dev.tailor.train.compare;

import dev.tailor.io.AtomicFile;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The table of a method comparison: as markdown, and as a PNG of bar charts, one panel per measure. */
public final class Comparison {

    /**
     * One method's figures; NaN (or -1 for counts) where not measured.
     *
     * @param status        "ok", "unavailable" (the method is not known to this build) or "failed: ..."
     * @param trainable     trainable parameters
     * @param total         all parameters (base plus trainable)
     * @param peakMb        peak resident memory of the method's JVM, MiB
     * @param tokensPerS    training tokens per second (all steps' tokens over their time)
     * @param evalLoss      the last evaluation's loss
     * @param compliance    share of demo instructions followed, or NaN when the data is not the demo set
     */
    public record Row(String method, String status, long trainable, long total, double peakMb, double tokensPerS,
                      double evalLoss, double compliance) {
        public boolean ok() { return status.equals("ok"); }

    }

    private Comparison() {}

    public static String markdown(List<Row> rows, int steps) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "Each method trained %d steps on the same data and settings.%n%n", steps));
        s.append("| method | trainable params | trainable % | peak memory (MiB) | tokens/s | eval loss | instruction following | status |\n");
        s.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", r.method(),
                    r.trainable() < 0 ? "-" : String.format(Locale.ROOT, "%,d", r.trainable()),
                    r.trainable() < 0 || r.total() <= 0 ? "-" : String.format(Locale.ROOT, "%.3f", 100.0 * r.trainable() / r.total()),
                    num(r.peakMb(), "%.0f"), num(r.tokensPerS(), "%.0f"), num(r.evalLoss(), "%.4f"),
                    Double.isNaN(r.compliance()) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * r.compliance()), r.status()));
        }
        return s.toString();
    }

    private static String num(double v, String fmt) { return Double.isFinite(v) ? String.format(Locale.ROOT, fmt, v) : "-"; }

    private static final int PANEL_W = 420, PANEL_H = 300, BAR_AREA_TOP = 40, BAR_AREA_BOTTOM = 70;

    /** Writes four bar charts (trainable %, peak memory, tokens/s, eval loss) side by side, 2 x 2, atomically. */
    public static void writePng(Path file, List<Row> rows) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(2 * PANEL_W, 2 * PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        List<Row> ok = rows.stream().filter(Row::ok).toList();
        panel(g, 0, 0, "trainable parameters (%)", ok, r -> 100.0 * r.trainable() / Math.max(1, r.total()));
        panel(g, PANEL_W, 0, "peak memory (MiB)", ok, Row::peakMb);
        panel(g, 0, PANEL_H, "tokens / s", ok, Row::tokensPerS);
        panel(g, PANEL_W, PANEL_H, "eval loss", ok, Row::evalLoss);
        g.dispose();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        AtomicFile.write(file, ch -> { ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()); while (b.hasRemaining()) ch.write(b); });
    }

    private static void panel(Graphics2D g, int x0, int y0, String title, List<Row> rows, ToDoubleFunction<Row> value) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, x0 + 15, y0 + 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        double max = 0;
        for (Row r : rows) if (Double.isFinite(value.applyAsDouble(r))) max = Math.max(max, value.applyAsDouble(r));
        if (rows.isEmpty() || max <= 0) { g.drawString("no data", x0 + 15, y0 + PANEL_H / 2); return; }
        int areaH = PANEL_H - BAR_AREA_TOP - BAR_AREA_BOTTOM, slot = (PANEL_W - 30) / rows.size(), base = y0 + PANEL_H - BAR_AREA_BOTTOM;
        g.drawLine(x0 + 15, base, x0 + PANEL_W - 15, base);
        for (int i = 0; i < rows.size(); i++) {
            double v = value.applyAsDouble(rows.get(i));
            int bx = x0 + 15 + i * slot + slot / 6, bw = Math.max(2, slot * 2 / 3);
            if (Double.isFinite(v)) {
                int h = (int) Math.round(v / max * areaH);
                g.setColor(Color.getHSBColor(i / (float) rows.size(), 0.55f, 0.8f));
                g.fillRect(bx, base - h, bw, h);
                g.setColor(Color.BLACK);
                g.drawString(label(v), bx, base - h - 4);
            }
            g.drawString(rows.get(i).method(), bx, base + 15 + (i % 2) * 13); // alternate rows so long names do not overlap
        }
    }

    private static String label(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : v >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Both files into {@code dir}: comparison.md and comparison.png. */
    public static void write(Path dir, List<Row> rows, int steps) throws IOException {
        AtomicFile.writeString(dir.resolve("comparison.md"), markdown(rows, steps));
        writePng(dir.resolve("comparison.png"), rows);
    }
}
