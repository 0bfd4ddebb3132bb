using System.Net;
using System.Net.Http.Json;
using Portal.Data;
using Portal.Web.Tests.Requests;

namespace Portal.Web.Tests.Browser;

/// <summary>The browser session for <see cref="QuotaRefusalTests"/>: an account allowed one VPC in us-east-1.</summary>
public sealed class QuotaRefusalSession() : BrowserSession(DatabaseProvider.Sqlite, new Dictionary<string, string?>
{
    ["Quotas:VpcsPerRegion"] = "1",
});

/// <summary>
/// A refusal at an account quota in the request form, in Chromium: a developer requests a network when the account already
/// holds its one VPC and sees the refusal with the numbers above the submit button (not a 500, not a silent drop), and stays
/// on the form with what was typed.
/// </summary>
public sealed class QuotaRefusalTests(QuotaRefusalSession session) : IClassFixture<QuotaRefusalSession>
{
    [Fact]
    public async Task Developer_RequestsANetwork_AtTheAccountsVpcLimit_SeesTheRefusalWithTheNumbers()
    {
        using (var api = await session.Portal.CreateTokenClientAsync("dev@example.com"))
        {
            (await api.PostAsJsonAsync("/api/v1/requests", QuotaAdmissionApiTests.Create("shared-net"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        var page = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(page);
        await form.OpenAsync("network-vpc");
        await form.FillNameAsync("second-net");
        await page.FillAsync("[data-testid=request-justification]", "A network for the search team's trial");
        await form.SubmitAsync();

        var error = page.Locator("[data-testid=submit-error]");
        await error.WaitForAsync();
        (await error.InnerTextAsync()).Trim().ShouldStartWith("us-east-1 has 1 of 1 VPCs in account 123456789012; this request needs 1 more.");
        page.Url.ShouldEndWith("/catalog/network-vpc");
        (await page.Locator("[data-testid=request-name]").InputValueAsync()).ShouldBe("second-net");
        (await page.Locator("#blazor-error-ui").IsVisibleAsync()).ShouldBeFalse();
        await BrowserSession.ScreenshotAsync(page, "request-quota-refused");
        await page.Context.CloseAsync();
    }
}
