using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The cost charts as server-laid-out markup (issue 18): every mark drawn to scale with its figure in a title, labels encoded,
/// long labels cut with their full text kept, and rotated labels inside the picture (MudChart's static output clipped them).
/// </summary>
public sealed partial class CostChartSvgTests
{
    [Fact]
    public void Bars_DrawOneRectPerNonZeroValue_ToScale_EachTitledWithItsFigure()
    {
        var chart = CostChartModel.Bars(["alpha", "beta", "gamma"], [("Estimate", [10m, 0m, 30m]), ("Actual", [20m, 5m, 40m])], ["#111111", "#222222"], 300);

        var svg = Svg(chart);
        var rects = svg.Descendants(Svg("rect")).ToList();
        rects.Count.ShouldBe(5, "the zero estimate of beta draws nothing");
        rects.Select(r => r.Element(Svg("title"))!.Value).ShouldBe(
            ["Estimate · alpha: $10.00", "Actual · alpha: $20.00", "Actual · beta: $5.00", "Estimate · gamma: $30.00", "Actual · gamma: $40.00"]);

        // Heights in proportion to the figures (the axis starts at 0).
        var heights = rects.Select(r => Number(r, "height")).ToList();
        (heights[4] / heights[3]).ShouldBe(40.0 / 30.0, 0.01);
        (heights[1] / heights[0]).ShouldBe(2.0, 0.01);
        rects.Select(r => (string)r.Attribute("fill")!).Distinct().ShouldBe(["#111111", "#222222"]);

        // The largest bar reaches at most the top tick, which is labelled.
        var ticks = svg.Elements(Svg("text")).Select(t => t.Value).Where(t => t.StartsWith('$')).ToList();
        ticks.ShouldBe(["$0", "$10", "$20", "$30", "$40"]);
        HtmlLegend(chart).ShouldBe(["Estimate", "Actual"]);
        CostChartModel.Bars(["alpha"], [("Spend", [1m])], ["#111111"]).Legend.Value.ShouldBeEmpty("one series needs no legend");
    }

    // The by-team chart was one blue while the monthly chart above it gives each team its colour.
    [Fact]
    public void ColouredBars_GiveEachCategoryItsColour_AndNeedNoLegend()
    {
        var chart = CostChartModel.ColouredBars(["payments", "search", "unallocated"], "Spend", [8m, 4m, 6m], ["#aa0000", "#00aa00", "#9e9e9e"], 240);

        var rects = Svg(chart).Descendants(Svg("rect")).ToList();
        rects.Select(r => (string)r.Attribute("fill")!).ShouldBe(["#aa0000", "#00aa00", "#9e9e9e"]);
        rects.Select(r => r.Element(Svg("title"))!.Value).ShouldBe(["payments: $8.00", "search: $4.00", "unallocated: $6.00"]);
        chart.Legend.Value.ShouldBeEmpty("the axis names each bar");
    }

    [Fact]
    public void StackedBars_StackEachCategory_WithoutGapsOrOverlap()
    {
        var chart = CostChartModel.Bars(["Nov 26", "Dec 26"], [("payments", [8m, 2m]), ("search", [4m, 0m]), ("unallocated", [6m, 1m])], ["#1", "#2", "#3"], 340, stacked: true);

        var rects = Svg(chart).Descendants(Svg("rect")).ToList();
        rects.Count.ShouldBe(5);
        var november = rects.Take(3).ToList();
        november.Select(r => Number(r, "x")).Distinct().Count().ShouldBe(1, "one column per month");
        for (var i = 1; i < november.Count; i++)
        {
            (Number(november[i], "y") + Number(november[i], "height")).ShouldBe(Number(november[i - 1], "y"), 0.02, "each series sits on the one below");
        }

        var total = november.Sum(r => Number(r, "height"));
        (total / rects.Skip(3).Sum(r => Number(r, "height"))).ShouldBe(18.0 / 3.0, 0.02);
    }

    [Fact]
    public void RotatedLabels_StayInsideThePicture_AndLongOnesAreCut_WithTheirFullTextKept()
    {
        var long1 = "payments/an-environment-with-a-very-long-name";
        var labels = new[] { long1, "search/crawler", "search/checkout", "platform/observability-stack" };
        var chart = CostChartModel.Bars(labels, [("Spend", [100m, 200m, 300m, 400m])], ["#1f77b4"], 300);

        var svg = Svg(chart);
        var (width, height) = (chart.MinWidth, chart.Height);
        var texts = svg.Elements(Svg("text")).Where(t => t.Attribute("transform") is not null).ToList();
        texts.Count.ShouldBe(4);
        texts[0].Element(Svg("title"))!.Value.ShouldBe(long1);
        texts[0].Nodes().OfType<XText>().Single().Value.ShouldBe(long1[..(CostChartSvg.MaxLabelChars - 1)] + "…");
        texts[1].Element(Svg("title")).ShouldBeNull("a label that fits is not cut");
        foreach (var text in texts)
        {
            // Drawn at 30° from its anchor, ending there: its far end must fall inside the SVG's box, glyphs and all. The top of
            // the first glyph (a font size above the baseline) reaches a further 11·sin 30° to the left: 5.5 px that clipped the
            // first label's first letter on the 51-team chart.
            var length = text.Nodes().OfType<XText>().Single().Value.Length * 6.3;
            var (x, y) = (Number(text, "x"), Number(text, "y"));
            (x - (length * Math.Cos(Math.PI / 6)) - (11 * Math.Sin(Math.PI / 6))).ShouldBeGreaterThanOrEqualTo(0, $"'{text.Value}' runs off the left");
            (y + (length * Math.Sin(Math.PI / 6))).ShouldBeLessThanOrEqualTo(height, $"'{text.Value}' runs off the bottom");
            x.ShouldBeLessThanOrEqualTo(width);
        }
    }

    // "By service" showed five of nine services and scrolled for the rest in its third of a 1400 px screen (~330 px): labels set
    // at 30° need less room per column than level ones, and a single series no room for bars side by side.
    [Fact]
    public void NineServicesAt30Degrees_FitAThirdOfAWideScreen_WithTheirLabelsApart()
    {
        var labels = new[] { "AmazonCloudWatch", "EC2 - Other", "Amazon Simple Storage Service", "AWS Key Management Service", "Elastic Load Balancing",
            "Amazon Relational Database Service", "Amazon ElastiCache", "Amazon Virtual Private Cloud", "AWS Secrets Manager" }.Select(CostFormat.Service).ToList();
        var chart = CostChartModel.Bars(labels, [("Spend", [15m, 13m, 9m, 6m, 4.7m, 3m, 2.4m, 1.4m, 0.2m])], ["#3366cc"], 240, compact: true);

        chart.MinWidth.ShouldBeLessThanOrEqualTo(330);
        var anchors = Svg(chart).Elements(Svg("text")).Where(t => t.Attribute("transform") is not null).Select(t => Number(t, "x")).ToList();
        anchors.Count.ShouldBe(9);
        // Parallel lines at 30°, x apart, are x·sin 30° apart: at least a line of 11 px text.
        anchors.Zip(anchors.Skip(1), (a, b) => (b - a) * Math.Sin(Math.PI / 6)).ShouldAllBe(gap => gap >= 11);

        // Long labels (team/name, cut at 24 characters) keep their columns: the room they reach to the left is added, not taken
        // from the columns. A chart that is not compact (a full-width card) keeps its width: it is also its width on a wide screen.
        var environments = Enumerable.Range(1, 10).Select(i => $"payments/environment-number-{i}").ToList();
        var compact = CostChartModel.Bars(environments, [("Spend", environments.Select(_ => 1m))], ["#1f77b4"], 300, compact: true);
        var rotated = Svg(compact).Elements(Svg("text")).Where(t => t.Attribute("transform") is not null).Select(t => Number(t, "x")).ToList();
        rotated.Zip(rotated.Skip(1), (a, b) => (b - a) * Math.Sin(Math.PI / 6)).ShouldAllBe(gap => gap >= 11);
        CostChartModel.Bars(environments, [("Spend", environments.Select(_ => 1m))], ["#1f77b4"], 300).MinWidth.ShouldBe(640);
    }

    [Fact]
    public void Labels_AndNames_AreEncoded_NeverMarkup()
    {
        var hostile = "<script>alert(1)</script>";
        var chart = CostChartModel.Bars([hostile, "b\"><img src=x onerror=alert(1)>"], [(hostile, [1m, 2m]), ("other", [1m, 1m])], ["#1", "#2"]);

        var markup = chart.Svg.Value + chart.Legend.Value;
        markup.ShouldNotContain("<script");
        markup.ShouldNotContain("<img");
        Svg(chart).Descendants(Svg("text")).Select(t => t.Value).ShouldContain(t => t.Contains(hostile, StringComparison.Ordinal));
        HtmlLegend(chart).ShouldContain(hostile);
    }

    [Fact]
    public void Area_DrawsItsLine_AndAPointPerDay_WithEveryTenthDayNamed()
    {
        var days = Enumerable.Range(1, 30).Select(d => $"11-{d:00}").ToList();
        var chart = CostChartModel.Area(days, "Spend per day", days.Select((_, i) => (decimal)i), "#1f77b4");

        var svg = Svg(chart);
        svg.Elements(Svg("path")).Count().ShouldBe(2, "the filled area and its line");
        var points = svg.Elements(Svg("circle")).ToList();
        points.Count.ShouldBe(30);
        points[29].Element(Svg("title"))!.Value.ShouldBe("11-30: $29.00");
        Number(points[29], "cy").ShouldBeLessThan(Number(points[0], "cy"), "more spend is higher");
        svg.Elements(Svg("text")).Select(t => t.Value).Where(t => t.StartsWith("11-", StringComparison.Ordinal)).ShouldBe(["11-01", "11-04", "11-07", "11-10", "11-13", "11-16", "11-19", "11-22", "11-25", "11-28"]);
    }

    [Fact]
    public void Donut_SlicesShareTheRing_ByTheirShare()
    {
        var chart = CostChartModel.Donut(["dev", "prod", "staging"], [30m, 10m, 0m], ["#2ca02c", "#d62728", "#ff7f0e"]);

        var slices = Svg(chart).Elements(Svg("circle")).Where(c => c.Attribute("stroke-dasharray") is not null).ToList();
        slices.Count.ShouldBe(2, "staging spent nothing");
        var lengths = slices.Select(s => double.Parse(((string)s.Attribute("stroke-dasharray")!).Split(' ')[0], CultureInfo.InvariantCulture)).ToList();
        (lengths[0] / lengths[1]).ShouldBe(3.0, 0.001);
        (lengths.Sum() - (2 * Math.PI * 80)).ShouldBe(0, 0.01);
        slices.Select(s => s.Element(Svg("title"))!.Value).ShouldBe(["dev: $30.00 (75.0%)", "prod: $10.00 (25.0%)"]);
        HtmlLegend(chart).ShouldBe(["dev", "prod", "staging"]);

        var empty = CostChartModel.Donut(["dev"], [0m], ["#2ca02c"]);
        Svg(empty).Elements(Svg("circle")).Count().ShouldBe(1, "only the empty ring");
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(33.45, 10, 40)]
    [InlineData(8.28, 2, 10)]
    [InlineData(1_777_148.68, 500_000, 2_000_000)]
    [InlineData(12, 2.5, 12.5)]
    public void Scale_NiceSteps_TopAtOrAboveTheLargestValue(double max, double step, double top)
    {
        var scale = CostChartSvg.Scale(max);
        scale.Step.ShouldBe(step, 1e-9);
        scale.Top.ShouldBe(top, 1e-9);
        (scale.Top / scale.Step).ShouldBeLessThanOrEqualTo(6);
    }

    private static XElement Svg(CostChartModel chart) =>
        XElement.Parse(chart.Svg.Value.Replace("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", StringComparison.Ordinal));

    private static XName Svg(string name) => XName.Get(name, "http://www.w3.org/2000/svg");

    private static double Number(XElement element, string attribute) => double.Parse((string)element.Attribute(attribute)!, CultureInfo.InvariantCulture);

    private static List<string> HtmlLegend(CostChartModel chart) =>
        [.. LegendItem().Matches(chart.Legend.Value).Select(m => System.Net.WebUtility.HtmlDecode(m.Groups["name"].Value))];

    [GeneratedRegex("""<span class="portal-chart-legend-item"><span class="portal-chart-swatch" style="[^"]*"></span>(?<name>[^<]*)</span>""")]
    private static partial Regex LegendItem();
}
