using System.Globalization;
using System.Net;
using System.Text;
using Portal.Web.Components.Shared;

namespace Portal.Web.Features.Costs;

/// <summary>
/// A cost chart as markup, laid out on the server: an SVG (axes, grid, bars or area, or a donut) and an HTML legend. Each
/// mark carries a <c>&lt;title&gt;</c> with its figure, so hovering shows it (and a screen reader reads it) with no script and
/// no circuit traffic. Issue 18: the ten <c>MudChart</c>s were most of the dashboards page's circuit (their component trees,
/// a 346 KB first render batch and the browser building it element by element); MudChart's own static output needs the
/// browser's measurements to place rotated labels, so this lays them out itself: room below the axis for the longest label
/// at 30°, room on the left for the first, labels past <see cref="MaxLabelChars"/> cut with their full text in a title.
/// </summary>
internal static class CostChartSvg
{
    /// <summary>Whether a bar chart's category labels are set at 30°: when any is longer than ten characters.</summary>
    public static bool Rotates(IReadOnlyList<string> labels) => labels.Any(l => l.Length > 10);

    /// <summary>How far a label set at 30° reaches left of its column's centre, glyphs and all (as <c>Axes</c> lays it out).</summary>
    public static double RotatedReach(string label) => (Cut(label).Length * CharWidth * Cos(Rotation)) + (FontSize * Sin(Rotation)) + 4;

    /// <summary>Labels longer than this are cut (the table under every chart names each in full).</summary>
    public const int MaxLabelChars = 24;

    private const double FontSize = 11;
    private const double CharWidth = 6.3; // an average glyph of the page's font at 11 px
    private const double Top = 10;
    private const double Right = 12;
    private const double Rotation = 30;
    private const double DonutSize = 220;

    /// <summary>The chart's SVG, and its legend (empty for a single series) to show under it, outside its sideways scroll.</summary>
    public static (string Svg, string Legend) Render(CostChartModel chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var (svg, legend) = (new StringBuilder(4096), new StringBuilder());
        if (chart.Kind == CostChartKind.Donut)
        {
            Donut(svg, chart);
            Legend(legend, [.. chart.Labels.Select((label, i) => (label, chart.SliceColour(i)))]);
        }
        else
        {
            Axes(svg, chart);
            if (chart.Series.Count > 1)
            {
                Legend(legend, [.. chart.Series.Select(s => (s.Name, s.Colour))]);
            }
        }

        return (svg.ToString(), legend.ToString());
    }

    private static void Axes(StringBuilder html, CostChartModel chart)
    {
        var (width, height, count) = ((double)chart.MinWidth, (double)chart.Height, chart.Labels.Count);
        var stacked = chart.Kind == CostChartKind.StackedBars;
        var max = Enumerable.Range(0, count).Select(i => stacked
                ? chart.Series.Sum(s => Math.Max(0, Value(s, i)))
                : chart.Series.Select(s => Value(s, i)).DefaultIfEmpty(0).Max())
            .DefaultIfEmpty(0).Max();
        var (step, top) = Scale(max);
        var ticks = Enumerable.Range(0, (int)Math.Round(top / step) + 1).Select(t => t * step).ToList();

        var rotate = chart.Kind != CostChartKind.Area && Rotates(chart.Labels);
        var shown = chart.Labels.Select(Cut).ToList();
        var longest = shown.Select(l => l.Length).DefaultIfEmpty(0).Max() * CharWidth;
        var left = (ticks.Max(t => CostFormat.Compact(t).Length) * CharWidth) + 12;
        for (var i = 0; rotate && i < count; i++)
        {
            // Label i ends at its column's centre, left + (i + ½)·(width − left − right)/count, and reaches back length·cos 30°,
            // plus the top of its first glyph, a font size above the baseline, another size·sin 30°: the margin that keeps its
            // far end at x ≥ 4.
            var (reach, share) = ((shown[i].Length * CharWidth * Cos(Rotation)) + (FontSize * Sin(Rotation)) + 4, (i + 0.5) / count);
            left = Math.Max(left, (reach - (share * (width - Right))) / (1 - share));
        }

        var bottom = rotate ? (longest * Sin(Rotation)) + (FontSize * Cos(Rotation)) + 14 : FontSize + 14;
        var (plotWidth, plotHeight) = (Math.Max(10, width - left - Right), Math.Max(10, height - Top - bottom));
        var baseline = Top + plotHeight;
        double Y(double value) => baseline - (Math.Max(0, value) / top * plotHeight);

        html.Append(Invariant($"<svg viewBox=\"0 0 {width:0} {height:0}\" width=\"100%\" height=\"{height:0}\" preserveAspectRatio=\"xMidYMid meet\" role=\"img\">"));
        foreach (var tick in ticks)
        {
            var y = Y(tick);
            html.Append(Invariant($"<line class=\"portal-chart-grid\" x1=\"{left:0.#}\" x2=\"{width - Right:0.#}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"/>"));
            html.Append(Invariant($"<text x=\"{left - 6:0.#}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{CostFormat.Compact(tick)}</text>"));
        }

        var band = count == 0 ? plotWidth : plotWidth / count;
        double Centre(int i) => chart.Kind == CostChartKind.Area
            ? left + (count <= 1 ? plotWidth / 2 : i * plotWidth / (count - 1))
            : left + (i * band) + (band / 2);

        if (chart.Kind == CostChartKind.Area)
        {
            AreaMarks(html, chart, Centre, Y, baseline);
        }
        else
        {
            BarMarks(html, chart, band, stacked, Centre, Y);
        }

        for (var i = 0; i < count; i += chart.LabelInterval)
        {
            var (x, y) = (Centre(i), baseline + 14);
            var title = shown[i].Length < chart.Labels[i].Length ? $"<title>{Encode(chart.Labels[i])}</title>" : "";
            html.Append(rotate
                ? Invariant($"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"end\" transform=\"rotate(-{Rotation:0} {x:0.#} {y:0.#})\">{title}{Encode(shown[i])}</text>")
                : Invariant($"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"middle\">{title}{Encode(shown[i])}</text>"));
        }

        html.Append("</svg>");
    }

    private static void BarMarks(StringBuilder html, CostChartModel chart, double band, bool stacked, Func<int, double> centre, Func<double, double> y)
    {
        var group = Math.Max(4, band * (stacked ? 0.5 : 0.7));
        var bar = stacked ? group : group / Math.Max(1, chart.Series.Count);
        for (var i = 0; i < chart.Labels.Count; i++)
        {
            var below = 0d;
            for (var s = 0; s < chart.Series.Count; s++)
            {
                var series = chart.Series[s];
                var value = Value(series, i);
                if (value <= 0)
                {
                    continue;
                }

                var x = stacked ? centre(i) - (group / 2) : centre(i) - (group / 2) + (s * bar);
                var (top, bottom) = stacked ? (y(below + value), y(below)) : (y(value), y(0));
                below += stacked ? value : 0;
                html.Append(Invariant($"<rect x=\"{x:0.##}\" y=\"{top:0.##}\" width=\"{bar:0.##}\" height=\"{Math.Max(0.5, bottom - top):0.##}\" fill=\"{Encode(chart.Series.Count == 1 ? chart.SliceColour(i) : series.Colour)}\">"));
                html.Append("<title>").Append(Encode(Title(chart, series, i))).Append("</title></rect>");
            }
        }
    }

    private static void AreaMarks(StringBuilder html, CostChartModel chart, Func<int, double> x, Func<double, double> y, double baseline)
    {
        var count = chart.Labels.Count;
        foreach (var series in chart.Series.Where(_ => count > 0))
        {
            var line = string.Join(" L ", Enumerable.Range(0, count).Select(i => Invariant($"{x(i):0.#} {y(Value(series, i)):0.#}")));
            html.Append(Invariant($"<path d=\"M {x(0):0.#} {baseline:0.#} L {line} L {x(count - 1):0.#} {baseline:0.#} Z\" fill=\"{Encode(series.Colour)}\" fill-opacity=\"0.25\"/>"));
            html.Append(Invariant($"<path d=\"M {line}\" fill=\"none\" stroke=\"{Encode(series.Colour)}\" stroke-width=\"2\"/>"));
            for (var i = 0; i < count; i++)
            {
                html.Append(Invariant($"<circle cx=\"{x(i):0.#}\" cy=\"{y(Value(series, i)):0.#}\" r=\"3\" fill=\"{Encode(series.Colour)}\">"));
                html.Append("<title>").Append(Encode(Title(chart, series, i))).Append("</title></circle>");
            }
        }
    }

    private static void Donut(StringBuilder html, CostChartModel chart)
    {
        const double Radius = 80, Thickness = 28, Centre = DonutSize / 2;
        var circumference = 2 * Math.PI * Radius;
        var series = chart.Series[0];
        var total = Enumerable.Range(0, chart.Labels.Count).Sum(i => Math.Max(0, Value(series, i)));
        html.Append(Invariant($"<svg viewBox=\"0 0 {DonutSize:0} {DonutSize:0}\" width=\"{DonutSize:0}\" height=\"{DonutSize:0}\" role=\"img\">"));
        html.Append(Invariant($"<circle class=\"portal-chart-grid\" cx=\"{Centre:0}\" cy=\"{Centre:0}\" r=\"{Radius:0}\" fill=\"none\" stroke-width=\"{Thickness:0}\"/>"));
        var start = 0d;
        for (var i = 0; i < chart.Labels.Count && total > 0; i++)
        {
            var value = Value(series, i);
            if (value <= 0)
            {
                continue;
            }

            var length = value / total * circumference;
            html.Append(Invariant($"<circle cx=\"{Centre:0}\" cy=\"{Centre:0}\" r=\"{Radius:0}\" fill=\"none\" stroke=\"{Encode(chart.SliceColour(i))}\" stroke-width=\"{Thickness:0}\" "));
            // The gap is the whole ring, so the dash pattern never repeats into the start of the ring.
            html.Append(Invariant($"stroke-dasharray=\"{length:0.###} {circumference:0.###}\" stroke-dashoffset=\"{-start:0.###}\" transform=\"rotate(-90 {Centre:0} {Centre:0})\">"));
            var share = (decimal)(value / total * 100);
            html.Append("<title>").Append(Encode($"{chart.Labels[i]}: {Format.Money(Amount(series, i))} ({CostFormat.Percent(decimal.Round(share, 1))})")).Append("</title></circle>");
            start += length;
        }

        html.Append("</svg>");
    }

    private static void Legend(StringBuilder html, IReadOnlyList<(string Name, string Colour)> items)
    {
        html.Append("<div class=\"portal-chart-legend\">");
        foreach (var (name, colour) in items)
        {
            html.Append("<span class=\"portal-chart-legend-item\"><span class=\"portal-chart-swatch\" style=\"background:")
                .Append(Encode(colour)).Append("\"></span>").Append(Encode(name)).Append("</span>");
        }

        html.Append("</div>");
    }

    /// <summary>A step of 1, 2, 2.5 or 5 × 10ⁿ giving at most six ticks from 0, and the top tick at or above the largest value.</summary>
    internal static (double Step, double Top) Scale(double max)
    {
        if (max <= 0 || double.IsNaN(max) || double.IsInfinity(max))
        {
            return (1, 1);
        }

        var rough = max / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1, 2, 2.5, 5, 10 }.Select(f => f * magnitude).First(s => s >= rough);
        return (step, Math.Ceiling((max / step) - 1e-9) * step);
    }

    private static string Title(CostChartModel chart, CostChartSeries series, int i) =>
        chart.Series.Count > 1 ? $"{series.Name} · {chart.Labels[i]}: {Format.Money(Amount(series, i))}" : $"{chart.Labels[i]}: {Format.Money(Amount(series, i))}";

    // A series shorter than the labels reads 0 past its end.
    private static decimal Amount(CostChartSeries series, int i) => i < series.Values.Count ? series.Values[i] : 0;

    private static double Value(CostChartSeries series, int i) => (double)Amount(series, i);

    private static string Cut(string label) => label.Length > MaxLabelChars ? label[..(MaxLabelChars - 1)] + "…" : label;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static double Sin(double degrees) => Math.Sin(degrees * Math.PI / 180);

    private static double Cos(double degrees) => Math.Cos(degrees * Math.PI / 180);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
