using Portal.Web.Security;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Sign-in's return address (after a password sign-in, and the single sign-on link when local accounts are off) stays on this
/// site whatever the query says. "/\t/evil.example" passed the old check (it starts with one slash) and a browser reads it as
/// "//evil.example": a link to another site.
/// </summary>
public sealed class ReturnUrlsTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/approvals")]
    [InlineData("/requests/8f0c6a9e-1d2b-4c3d-9e8f-0a1b2c3d4e5f?tab=history")]
    [InlineData("/costs?from=2026-11-01&to=2026-11-30#monthly")]
    [InlineData("/%0d%0aSet-Cookie:x=y")] // still encoded: a path here (no header is written from it)
    public void APathOnThisSite_IsKept(string url) => ReturnUrls.Safe(url).ShouldBe(url);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("approvals")]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/\t/evil.example")]
    [InlineData("/\n/evil.example")]
    [InlineData("/\r\n/evil.example")]
    [InlineData("/ /evil.example")]
    [InlineData("/\u00a0/evil.example")]
    [InlineData("javascript:alert(1)")]
    public void AnythingElse_IsHome(string? url) => ReturnUrls.Safe(url).ShouldBe("/");
}
