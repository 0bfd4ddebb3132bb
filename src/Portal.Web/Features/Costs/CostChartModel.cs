using Microsoft.AspNetCore.Components;

namespace Portal.Web.Features.Costs;

/// <summary>How a cost chart draws its series.</summary>
public enum CostChartKind
{
    Bars,
    StackedBars,
    Area,
    Donut,
}

/// <summary>One series of a cost chart: a value per category, in one colour.</summary>
public sealed record CostChartSeries(string Name, IReadOnlyList<decimal> Values, string Colour);

/// <summary>
/// A chart of the cost pages, built once per load (not per render): its categories, series, size, the width below which it
/// scrolls sideways instead of squeezing its labels, and its markup (<see cref="CostChartSvg"/>): an SVG laid out on the
/// server, one markup frame for the circuit instead of a component tree per chart (issue 18).
/// </summary>
public sealed class CostChartModel
{
    private readonly IReadOnlyList<string> _sliceColours;

    private CostChartModel(
        CostChartKind kind, IReadOnlyList<string> labels, IReadOnlyList<CostChartSeries> series, int height, int minWidth, int labelInterval = 1,
        IReadOnlyList<string>? sliceColours = null)
    {
        (Kind, Labels, Series, Height, MinWidth, LabelInterval, _sliceColours) = (kind, labels, series, height, minWidth, labelInterval, sliceColours ?? []);
        var (svg, legend) = CostChartSvg.Render(this);
        (Svg, Legend) = (new MarkupString(svg), new MarkupString(legend));
    }

    public CostChartKind Kind { get; }

    public IReadOnlyList<string> Labels { get; }

    public IReadOnlyList<CostChartSeries> Series { get; }

    public int Height { get; }

    public int MinWidth { get; }

    /// <summary>Every how many categories the x axis names one (a day axis names about ten).</summary>
    public int LabelInterval { get; }

    /// <summary>The chart's SVG.</summary>
    public MarkupString Svg { get; }

    /// <summary>Its legend (HTML; empty for a single series of bars or an area).</summary>
    public MarkupString Legend { get; }

    /// <summary>Columns, one series per (name, values) pair, coloured in that order.</summary>
    public static CostChartModel Bars(IReadOnlyList<string> labels, IReadOnlyList<(string Name, IEnumerable<decimal> Values)> series, IReadOnlyList<string> colours, int height = 300, bool stacked = false,
        bool compact = false)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        return new CostChartModel(stacked ? CostChartKind.StackedBars : CostChartKind.Bars, [.. labels], ToSeries(series, colours), height,
            MinWidthFor(labels, stacked ? 0 : 48 * series.Count, compact));
    }

    /// <summary>One series of bars, each category in its own colour (teams in the colours the monthly chart gives them).</summary>
    public static CostChartModel ColouredBars(IReadOnlyList<string> labels, string name, IEnumerable<decimal> values, IReadOnlyList<string> colours, int height = 300,
        bool compact = false)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(colours);
        return new CostChartModel(CostChartKind.Bars, [.. labels], ToSeries([(name, values)], colours), height, MinWidthFor(labels, 48, compact), sliceColours: [.. colours]);
    }

    /// <summary>A filled line over days.</summary>
    public static CostChartModel Area(IReadOnlyList<string> labels, string name, IEnumerable<decimal> values, string colour)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new CostChartModel(CostChartKind.Area, [.. labels], ToSeries([(name, values)], [colour]), 280, 560, Math.Max(1, labels.Count / 10));
    }

    /// <summary>Shares of a whole, each category its own colour.</summary>
    public static CostChartModel Donut(IReadOnlyList<string> labels, IEnumerable<decimal> values, IReadOnlyList<string> colours)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(colours);
        return new CostChartModel(CostChartKind.Donut, [.. labels], ToSeries([("Spend", values)], colours), 260, 220, sliceColours: [.. colours]);
    }

    /// <summary>The colour of a donut's or coloured bars' category (one colour per category), else the series' colour.</summary>
    internal string SliceColour(int category) => _sliceColours.Count == 0 ? Series[0].Colour : _sliceColours[category % _sliceColours.Count];

    // Room for every category's label (and for each series' bar side by side; stacked bars share one column), and never so
    // narrow that the SVG shrinks its text below reading size: on a phone the chart scrolls sideways in its card instead. A few
    // categories need no more than a phone's card (280 px): a floor of 560 px hid the third of three teams' bars off the edge
    // of a third-width card on a 1400 px screen (session 17's screenshots).
    // The SVG is drawn at this width and scaled down only, so it is also the chart's width on a wide screen. Compact (a chart in
    // a third of the screen, labels at 30°): columns of 28 px, enough to keep rotated labels' lines apart, after the room the
    // labels reach to the left (CostChartSvg.RotatedReach); "By service" (nine services) scrolled in its third of a 1400 px
    // screen at 56 px a column.
    private static int MinWidthFor(IReadOnlyList<string> labels, int perCategory, bool compact = false)
    {
        if (compact && CostChartSvg.Rotates(labels))
        {
            const double Column = 28;
            var left = labels.Select((label, i) => CostChartSvg.RotatedReach(label) - ((i + 0.5) * Column)).Append(48).Max();
            return Math.Clamp((int)Math.Ceiling(left + 12 + (labels.Count * Column)), 280, 1200);
        }

        return Math.Clamp(80 + (labels.Count * Math.Max(56, perCategory)), 280, 1200);
    }

    private static List<CostChartSeries> ToSeries(IReadOnlyList<(string Name, IEnumerable<decimal> Values)> series, IReadOnlyList<string> colours) =>
        [.. series.Select((s, i) => new CostChartSeries(s.Name, [.. s.Values], colours.Count == 0 ? "#1f77b4" : colours[i % colours.Count]))];
}
