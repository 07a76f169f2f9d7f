package dev.tailor.eval.scaling;

import dev.tailor.eval.scaling.ScalingRuns.Run;
import dev.tailor.io.AtomicFile;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Draws loss against data size on log-log axes: one colour per value of X, the runs as dots and
 * the fitted law as a curve through them. Rendered off-screen (headless AWT) into a PNG.
 */
public final class ScalingPlot {

    static final int WIDTH = 800, HEIGHT = 560;
    static final int LEFT = 80, RIGHT = 170, TOP = 50, BOTTOM = 60;
    static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
            new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf)};

    static { System.setProperty("java.awt.headless", "true"); }

    /** The mapping from data to pixels: log10 of D across, log10 of loss up. */
    record Axes(double logDMin, double logDMax, double logLMin, double logLMax) {
        double px(double d) { return LEFT + (Math.log10(d) - logDMin) / (logDMax - logDMin) * (WIDTH - LEFT - RIGHT); }
        double py(double loss) { return HEIGHT - BOTTOM - (Math.log10(loss) - logLMin) / (logLMax - logLMin) * (HEIGHT - TOP - BOTTOM); }
    }

    private ScalingPlot() {}

    /** Renders and writes the PNG atomically. */
    public static void write(Path png, List<Run> runs, ScalingLaw law, String title) {
        BufferedImage img = render(runs, law, title);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(img, "png", bytes);
            AtomicFile.write(png, ch -> ch.write(ByteBuffer.wrap(bytes.toByteArray())));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }

    public static BufferedImage render(List<Run> runs, ScalingLaw law, String title) {
        TreeMap<Double, List<Run>> byX = new TreeMap<>();
        for (Run r : runs) byX.computeIfAbsent(r.x(), k -> new java.util.ArrayList<>()).add(r);
        Axes axes = axes(runs, law);
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        drawFrame(g, axes, title);
        int series = 0;
        for (var e : byX.entrySet()) {
            Color c = PALETTE[series % PALETTE.length];
            drawCurve(g, axes, law, e.getKey(), c);
            g.setColor(c);
            for (Run r : e.getValue()) {
                int px = (int) Math.round(axes.px(r.d())), py = (int) Math.round(axes.py(r.loss()));
                g.fillOval(px - 5, py - 5, 11, 11);
            }
            int ly = TOP + 20 + 22 * series;
            g.fillOval(WIDTH - RIGHT + 20, ly - 9, 10, 10);
            g.drawString("X = " + number(e.getKey()), WIDTH - RIGHT + 38, ly);
            series++;
        }
        g.dispose();
        return img;
    }

    /** Axis ranges covering every run and the fitted curves between them, with a 5% margin. */
    static Axes axes(List<Run> runs, ScalingLaw law) {
        double dMin = Double.POSITIVE_INFINITY, dMax = 0, lMin = Double.POSITIVE_INFINITY, lMax = 0;
        for (Run r : runs) {
            dMin = Math.min(dMin, r.d()); dMax = Math.max(dMax, r.d());
            double fit = law.predict(r.x(), r.d());
            double lo = fit > 0 ? Math.min(r.loss(), fit) : r.loss(), hi = Math.max(r.loss(), fit);
            lMin = Math.min(lMin, lo); lMax = Math.max(lMax, hi);
        }
        double a = Math.log10(dMin), b = Math.log10(dMax), c = Math.log10(lMin), d = Math.log10(lMax);
        double padD = Math.max(0.05 * (b - a), 0.1), padL = Math.max(0.05 * (d - c), 0.01);
        return new Axes(a - padD, b + padD, c - padL, d + padL);
    }

    private static void drawCurve(Graphics2D g, Axes axes, ScalingLaw law, double x, Color c) {
        Path2D.Double path = new Path2D.Double();
        int steps = 200;
        boolean started = false;
        for (int i = 0; i <= steps; i++) {
            double logD = axes.logDMin() + (axes.logDMax() - axes.logDMin()) * i / steps;
            double loss = law.predict(x, Math.pow(10, logD));
            if (!(loss > 0)) { started = false; continue; } // no log of a non-positive loss
            double px = axes.px(Math.pow(10, logD)), py = axes.py(loss);
            if (started) path.lineTo(px, py); else path.moveTo(px, py);
            started = true;
        }
        g.setColor(c);
        g.setStroke(new BasicStroke(2f));
        var clip = g.getClip();
        g.clipRect(LEFT, TOP, WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        g.draw(path);
        g.setClip(clip);
    }

    private static void drawFrame(Graphics2D g, Axes axes, String title) {
        int x0 = LEFT, x1 = WIDTH - RIGHT, y0 = HEIGHT - BOTTOM, y1 = TOP;
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y1, x1 - x0, y0 - y1);
        g.drawString(title, x0, TOP - 20);
        g.drawString("fine-tuning data size D (log scale)", (x0 + x1) / 2 - 100, HEIGHT - 15);
        g.drawString("loss (log)", 10, TOP - 5);
        for (double t : ticks(axes.logDMin(), axes.logDMax())) {
            int px = (int) Math.round(axes.px(t));
            g.drawLine(px, y0, px, y0 + 5);
            g.drawString(number(t), px - 15, y0 + 20);
        }
        for (double t : ticks(axes.logLMin(), axes.logLMax())) {
            int py = (int) Math.round(axes.py(t));
            g.drawLine(x0 - 5, py, x0, py);
            g.drawString(number(t), 10, py + 5);
        }
    }

    /** Tick values inside [10^lo, 10^hi]: decades, 1-2-5 steps under two decades, half steps under 0.7 of a decade. */
    static List<Double> ticks(double lo, double hi) {
        List<Double> out = new java.util.ArrayList<>();
        double[] mult = hi - lo >= 2 ? new double[]{1} : hi - lo >= 0.7 ? new double[]{1, 2, 5} : new double[]{1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9};
        for (int p = (int) Math.floor(lo); p <= (int) Math.ceil(hi); p++) {
            for (double m : mult) {
                double v = m * Math.pow(10, p);
                double lv = Math.log10(v);
                if (lv >= lo && lv <= hi) out.add(v);
            }
        }
        return out;
    }

    /** Short labels: 1e4, 1.6e9, 2.5, 0.75 (three significant digits, trailing zeros dropped). */
    static String number(double v) {
        if (v >= 1e4 || v < 1e-2) {
            int exp = (int) Math.floor(Math.log10(v));
            double mantissa = v / Math.pow(10, exp);
            if (mantissa >= 9.995) { mantissa /= 10; exp++; } // rounding carried into the next decade
            return trimZeros(String.format(Locale.ROOT, "%.2f", mantissa)) + "e" + exp;
        }
        return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static String trimZeros(String s) {
        if (!s.contains(".") || s.contains("e")) return s;
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
