using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>The cost charts' labels.</summary>
public sealed class CostFormatTests
{
    // "Dec 25" on the monthly chart's axis read as the 25th of December (seen in session 17's screenshots).
    [Theory]
    [InlineData("2025-12", "Dec 2025")]
    [InlineData("2026-01", "Jan 2026")]
    [InlineData("not-a-month", "not-a-month")]
    public void AMonth_IsLabelledWithItsWholeYear(string month, string label) => CostFormat.Month(month).ShouldBe(label);
}
