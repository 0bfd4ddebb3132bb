namespace Portal.Web.Tests.Browser;

/// <summary>Each demo user signs in through Chromium and sees exactly their navigation.</summary>
public sealed class ShellSmokeTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    public static TheoryData<string, string[]> Users => new()
    {
        { "dev@example.com", ["Home", "Catalog", "Environments", "Requests", "Costs", "Dashboards", "Budgets", "API tokens"] },
        { "dev2@example.com", ["Home", "Catalog", "Environments", "Requests", "Costs", "Dashboards", "Budgets", "API tokens"] },
        { "platform@example.com", ["Home", "Catalog", "Environments", "Requests", "Approvals", "Upgrade campaigns", "Drift", "Costs", "Dashboards", "Budgets", "API tokens"] },
        { "platform2@example.com", ["Home", "Catalog", "Environments", "Requests", "Approvals", "Upgrade campaigns", "Drift", "Costs", "Dashboards", "Budgets", "API tokens"] },
        { "finance@example.com", ["Home", "Catalog", "Environments", "Requests", "Costs", "Dashboards", "Budgets", "API tokens"] },
        { "admin@example.com", ["Home", "Catalog", "Environments", "Requests", "Upgrade campaigns", "Drift", "Costs", "Dashboards", "Budgets", "API tokens", "Admin", "Teams", "Members", "Catalog", "Audit log", "System"] },
    };

    [Theory]
    [MemberData(nameof(Users))]
    public async Task DemoUser_SignsIn_AndSeesExactlyTheirNavigation(string email, string[] expected)
    {
        var page = await session.SignInAsync(email);

        (await new Navigation(page).ItemsAsync()).ShouldBe(expected);
        (await page.Locator("[data-testid=user-email]").InnerTextAsync()).ShouldBe(email);
        await BrowserSession.ScreenshotAsync(page, $"shell-{email.Split('@')[0]}");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_OpeningAnAdminPage_IsToldAccessIsDenied()
    {
        var page = await session.SignInAsync("dev@example.com");

        await page.GotoAsync("/admin/teams");

        await page.GetByText("Access denied").WaitForAsync();
        (await page.Locator("[data-testid=teams-grid]").CountAsync()).ShouldBe(0);
        await BrowserSession.ScreenshotAsync(page, "access-denied-developer");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WrongPassword_ShowsAGenericMessage()
    {
        var context = await session.Browser.NewContextAsync(new() { BaseURL = session.Portal.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await BrowserSession.ScreenshotAsync(page, "login");

        await login.SignInAsync("finance@example.com", "not-the-password");

        (await login.Error.InnerTextAsync()).ShouldBe("Invalid email or password.");
        await BrowserSession.ScreenshotAsync(page, "login-wrong-password");
        await context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_ReturnsToTheSignInPage()
    {
        var page = await session.SignInAsync("finance@example.com");

        await Navigation.SignOutAsync(page);

        await BrowserSession.WaitForUrlAsync(page, url => url.Contains("/account/login", StringComparison.Ordinal));
        await page.GotoAsync("/tokens");
        await BrowserSession.WaitForUrlAsync(page, url => url.Contains("/account/login", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }
}
