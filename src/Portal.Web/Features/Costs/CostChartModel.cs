using MudBlazor;
using MudBlazor.Charts;

namespace Portal.Web.Features.Costs;

/// <summary>
/// A chart of the cost pages, built once per load (not per render): its categories, series and options, and the width below
/// which it scrolls sideways instead of squeezing its labels.
/// </summary>
public sealed record CostChartModel(ChartType Type, string[] Labels, List<ChartSeries<double>> Series, IChartOptions Options, int Height, int MinWidth, Position Legend = Position.Bottom)
{
    /// <summary>Columns, one series per (name, values) pair, coloured in that order.</summary>
    public static CostChartModel Bars(IReadOnlyList<string> labels, IReadOnlyList<(string Name, IEnumerable<decimal> Values)> series, IReadOnlyList<string> colours, int height = 300, bool stacked = false)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(series);
        var rotate = labels.Any(l => l.Length > 10) ? 30 : 0;
        IChartOptions options = stacked
            ? new StackedBarChartOptions { ChartPalette = [.. colours], YAxisToStringFunc = CostFormat.Compact, ShowLegend = series.Count > 1, XAxisLabelRotation = rotate, MaxNumYAxisTicks = 6 }
            : new BarChartOptions { ChartPalette = [.. colours], YAxisToStringFunc = CostFormat.Compact, ShowLegend = series.Count > 1, XAxisLabelRotation = rotate, MaxNumYAxisTicks = 6 };
        return new CostChartModel(stacked ? ChartType.StackedBar : ChartType.Bar, [.. labels], ToSeries(series), options, height, MinWidthFor(labels.Count, stacked ? 0 : 48 * series.Count));
    }

    /// <summary>A filled line over days.</summary>
    public static CostChartModel Area(IReadOnlyList<string> labels, string name, IEnumerable<decimal> values, string colour)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var options = new LineChartOptions
        {
            ChartPalette = [colour], YAxisToStringFunc = CostFormat.Compact, ShowLegend = false, LineDisplayType = LineDisplayType.Area, MaxNumYAxisTicks = 6,
            XAxisLabelInterval = Math.Max(1, labels.Count / 10),
        };
        return new CostChartModel(ChartType.Line, [.. labels], ToSeries([(name, values)]), options, 280, 560);
    }

    /// <summary>Shares of a whole.</summary>
    public static CostChartModel Donut(IReadOnlyList<string> labels, IEnumerable<decimal> values, IReadOnlyList<string> colours)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var options = new DonutChartOptions { ChartPalette = [.. colours], ShowLegend = true };
        return new CostChartModel(ChartType.Donut, [.. labels], ToSeries([("Spend", values)]), options, 260, 280, Position.Right);
    }

    // Room for every category's label (and for each series' bar side by side; stacked bars share one column), and never so
    // narrow that the SVG (scaled to its width) shrinks its text below reading size: on a phone the chart scrolls sideways in
    // its card instead.
    private static int MinWidthFor(int categories, int perCategory) => Math.Clamp(80 + (categories * Math.Max(56, perCategory)), 560, 1200);

    private static List<ChartSeries<double>> ToSeries(IReadOnlyList<(string Name, IEnumerable<decimal> Values)> series) =>
        [.. series.Select(s => new ChartSeries<double> { Name = s.Name, Data = s.Values.Select(v => (double)v).ToArray() })];
}
