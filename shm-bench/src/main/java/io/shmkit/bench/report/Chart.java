package io.shmkit.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * Grouped bar charts on a log scale, as SVG text: no dependency, readable in a browser and
 * on GitHub. Each group is a label and one bar per series; missing values (NaN) leave a gap.
 */
final class Chart {
    record Group(String label, double[] values) {}

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896"};
    /** Legend entries per line. */
    private static final int LEGEND_PER_LINE = 6;
    private static final int PLOT_HEIGHT = 240;
    private static final int LEFT = 70;
    private static final int BAR = 16;
    private static final int GAP = 28;

    private Chart() {}

    /**
     * Appends one panel, translated to {@code top}, to {@code out}; returns its width, or 0 if
     * no group has a positive value (nothing is appended then). Its height is
     * {@link #panelHeight(int) panelHeight(series.size())}.
     */
    static int panel(int top, String title, String axis, List<String> series, List<Group> groups, StringBuilder out) {
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (Group g : groups) {
            for (double v : g.values()) {
                if (v > 0 && !Double.isNaN(v)) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min == Double.MAX_VALUE) {
            return 0;
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
        int groupWidth = series.size() * BAR + GAP;
        int width = LEFT + groups.size() * groupWidth + 20;
        out.append(String.format(Locale.ROOT, "<g transform=\"translate(0,%d)\">%n", top));
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                LEFT, escape(title)));
        int y0 = 30;
        for (double e = lo; e <= hi; e++) {
            double y = y0 + PLOT_HEIGHT - (e - lo) / (hi - lo) * PLOT_HEIGHT;
            out.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n",
                    LEFT, y, width - 10, y, LEFT - 6, y + 4, tick(e)));
        }
        out.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>%n",
                y0 + PLOT_HEIGHT / 2, y0 + PLOT_HEIGHT / 2, escape(axis)));
        for (int g = 0; g < groups.size(); g++) {
            Group group = groups.get(g);
            int x = LEFT + 10 + g * groupWidth;
            for (int s = 0; s < series.size() && s < group.values().length; s++) {
                double v = group.values()[s];
                if (!(v > 0)) {
                    continue;
                }
                double h = Math.max(1, (Math.log10(v) - lo) / (hi - lo) * PLOT_HEIGHT);
                out.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s %s: %s</title></rect>%n",
                        x + s * BAR, y0 + PLOT_HEIGHT - h, BAR - 2, h, COLORS[s % COLORS.length],
                        escape(group.label()), escape(series.get(s)), format(v)));
            }
            out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n",
                    x + series.size() * BAR / 2, y0 + PLOT_HEIGHT + 16, escape(group.label())));
        }
        for (int s = 0; s < series.size(); s++) {
            int ly = y0 + PLOT_HEIGHT + 34 + (s / LEGEND_PER_LINE) * 16;
            int lx = LEFT + (s % LEGEND_PER_LINE) * 150;
            out.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n",
                    lx, ly - 9, COLORS[s % COLORS.length], lx + 14, ly, escape(series.get(s))));
        }
        out.append("</g>\n");
        return Math.max(width, LEFT + Math.min(series.size(), LEGEND_PER_LINE) * 150);
    }

    /** The height of a panel with {@code series} series (its legend wraps every few entries). */
    static int panelHeight(int series) {
        return 30 + PLOT_HEIGHT + 50 + 16 * Math.max(0, (series - 1) / LEGEND_PER_LINE);
    }

    private static String tick(double exponent) {
        double v = Math.pow(10, exponent);
        return v >= 1 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%s", v);
    }

    static String format(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
