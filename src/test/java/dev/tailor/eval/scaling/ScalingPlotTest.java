package dev.tailor.eval.scaling;

import dev.tailor.eval.scaling.ScalingRuns.Run;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScalingPlotTest {

    @Test void runsAreDrawnWhereTheLogAxesPutThem() {
        ScalingLaw law = new ScalingLaw(500, 0.2, 0.3, 1.25);
        List<Run> runs = new ArrayList<>();
        double[] xs = {1e8, 1e9};
        for (double x : xs) for (double d : new double[]{1e3, 1e4, 1e5}) runs.add(new Run(x, d, law.predict(x, d) * 1.02, "", 0));
        BufferedImage img = ScalingPlot.render(runs, law, "test");
        ScalingPlot.Axes axes = ScalingPlot.axes(runs, law);
        // The last series (largest X) is drawn last, so the centre of each of its dots has its colour.
        int colour = ScalingPlot.PALETTE[1].getRGB() & 0xffffff;
        for (Run r : runs.subList(3, 6)) {
            int px = (int) Math.round(axes.px(r.d())), py = (int) Math.round(axes.py(r.loss()));
            assertEquals(colour, img.getRGB(px, py) & 0xffffff, "dot of run at d=" + r.d());
        }
        // log axis: one decade of D spans the same width anywhere
        assertEquals(axes.px(1e4) - axes.px(1e3), axes.px(1e5) - axes.px(1e4), 1e-9);
        assertTrue(axes.px(1e3) > ScalingPlot.LEFT && axes.px(1e5) < ScalingPlot.WIDTH - ScalingPlot.RIGHT);
    }

    @Test void labelsAreShort() {
        assertEquals("1e4", ScalingPlot.number(1e4));
        assertEquals("1.6e9", ScalingPlot.number(1.6e9));
        assertEquals("1e6", ScalingPlot.number(999_999.9));
        assertEquals("1000", ScalingPlot.number(1000));
        assertEquals("2.5", ScalingPlot.number(2.5));
        assertEquals("3", ScalingPlot.number(3.0));
        assertEquals("0.125", ScalingPlot.number(0.125));
    }

    @Test void ticksAreDecadesOrOneTwoFive() {
        assertEquals(List.of(1e3, 1e4, 1e5), ScalingPlot.ticks(2.9, 5.1));
        assertEquals(List.of(1.0, 2.0, 5.0, 10.0), ScalingPlot.ticks(-0.05, 1.05));
        assertEquals(List.of(2.0, 2.5, 3.0, 3.5), ScalingPlot.ticks(Math.log10(1.52), Math.log10(3.6)));
    }
}
