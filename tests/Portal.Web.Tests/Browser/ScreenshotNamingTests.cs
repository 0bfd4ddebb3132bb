namespace Portal.Web.Tests.Browser;

/// <summary>Screenshot names: the other width's shot replaces a width suffix the caller gave instead of doubling it.</summary>
public sealed class ScreenshotNamingTests
{
    [Theory]
    [InlineData("drift-tab", 390, "drift-tab-390")]
    [InlineData("drift-tab", 1400, "drift-tab-1400")]
    [InlineData("drift-tab-390", 1400, "drift-tab-1400")]
    [InlineData("campaign-preview-1400", 390, "campaign-preview-390")]
    [InlineData("campaign-preview-390", 390, "campaign-preview-390")]
    [InlineData("page-13900", 390, "page-13900-390")]
    public void OtherWidthName_ReplacesAWidthSuffix_NeverDoublesIt(string name, int width, string expected) =>
        BrowserSession.OtherWidthName(name, width).ShouldBe(expected);
}
