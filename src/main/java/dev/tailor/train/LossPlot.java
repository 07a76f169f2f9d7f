package dev.tailor.train;

import dev.tailor.io.AtomicFile;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
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

/** Draws the training loss (line) and eval loss (dots) against the step into a PNG, headless. */
public final class LossPlot {

    static final int W = 800, H = 480, LEFT = 70, RIGHT = 20, TOP = 30, BOTTOM = 50;

    private LossPlot() {}

    /** Writes the plot to {@code file} atomically; points are (step, loss). */
    public static void write(Path file, List<double[]> train, List<double[]> eval) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = draw(train, eval);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        AtomicFile.write(file, ch -> { ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()); while (b.hasRemaining()) ch.write(b); });
    }

    static BufferedImage draw(List<double[]> train, List<double[]> eval) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        double[] box = bounds(train, eval); // minStep, maxStep, minLoss, maxLoss
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM);
        for (int i = 0; i <= 4; i++) {
            double loss = box[2] + (box[3] - box[2]) * i / 4;
            double step = box[0] + (box[1] - box[0]) * i / 4;
            g.drawString(String.format("%.3f", loss), 5, y(loss, box) + 4);
            g.drawString(String.format("%.0f", step), x(step, box) - 10, H - BOTTOM + 18);
        }
        g.drawString("step", W / 2, H - 10);
        g.drawString("loss (train: line, eval: dots)", LEFT, TOP - 10);
        g.setColor(new Color(31, 119, 180));
        g.setStroke(new BasicStroke(1.5f));
        for (int i = 1; i < train.size(); i++) {
            g.drawLine(x(train.get(i - 1)[0], box), y(train.get(i - 1)[1], box), x(train.get(i)[0], box), y(train.get(i)[1], box));
        }
        g.setColor(new Color(214, 39, 40));
        for (double[] p : eval) g.fillOval(x(p[0], box) - 4, y(p[1], box) - 4, 8, 8);
        g.dispose();
        return img;
    }

    private static double[] bounds(List<double[]> train, List<double[]> eval) {
        double[] b = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
        for (List<double[]> l : List.of(train, eval)) {
            for (double[] p : l) {
                if (!Double.isFinite(p[1])) continue;
                b[0] = Math.min(b[0], p[0]); b[1] = Math.max(b[1], p[0]);
                b[2] = Math.min(b[2], p[1]); b[3] = Math.max(b[3], p[1]);
            }
        }
        if (b[0] > b[1]) return new double[] {0, 1, 0, 1};
        if (b[1] - b[0] < 1) b[1] = b[0] + 1;
        if (b[3] - b[2] < 1e-9) { b[2] -= 0.5; b[3] += 0.5; }
        return b;
    }

    private static int x(double step, double[] b) { return LEFT + (int) Math.round((step - b[0]) / (b[1] - b[0]) * (W - LEFT - RIGHT)); }

    private static int y(double loss, double[] b) {
        double v = Double.isFinite(loss) ? loss : b[3];
        return TOP + (int) Math.round((b[3] - v) / (b[3] - b[2]) * (H - TOP - BOTTOM));
    }
}
