using System.Net;
using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Portal.Web.Tests.Browser;

/// <summary>Admin and token pages driven through Chromium as a user would.</summary>
public sealed class AdminPagesTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Admin_CreatesATeam_SeesFieldErrorsFirst_ThenTheTeamAndItsAuditEntry()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/teams");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.ClickAsync("[data-testid=new-team]");
        await page.FillAsync("input[data-testid=team-slug], [data-testid=team-slug] input", "Bad Slug");
        await page.FillAsync("[data-testid=team-budget] input", "-5");
        await page.ClickAsync("[data-testid=team-save]");
        await page.Locator("[data-testid=error-Slug]").WaitForAsync();
        (await page.Locator("[data-testid=error-MonthlyBudgetUsd]").InnerTextAsync()).ShouldContain("zero or more");
        (await page.Locator("[data-testid=error-Name]").InnerTextAsync()).ShouldContain("required");
        await BrowserSession.ScreenshotAsync(page, "admin-team-field-errors");

        await page.FillAsync("input[data-testid=team-slug], [data-testid=team-slug] input", "checkout");
        await page.FillAsync("input[data-testid=team-name], [data-testid=team-name] input", "Checkout");
        await page.FillAsync("input[data-testid=team-cost-center], [data-testid=team-cost-center] input", "CC-3003");
        await page.FillAsync("[data-testid=team-budget] input", "1500");

        // The numeric field commits on change (blur); leave it before saving so a loaded machine cannot reorder the two.
        await page.PressAsync("[data-testid=team-budget] input", "Tab");
        await page.ClickAsync("[data-testid=team-save]");

        await page.Locator("[data-testid=teams-grid]").GetByText("checkout", new() { Exact = true }).WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "admin-teams");

        await page.GotoAsync("/admin/audit");
        await BrowserSession.WaitForCircuitAsync(page);

        // The log opens with its newest page, before any filter is applied.
        await page.Locator("[data-testid=audit-grid]").GetByText("team.created").First.WaitForAsync();
        await page.FillAsync("input[data-testid=filter-target], [data-testid=filter-target] input", "checkout");
        await page.ClickAsync("[data-testid=filter-apply]");
        var grid = page.Locator("[data-testid=audit-grid]");

        // Filtered to the new team: its one creation entry remains (the demo teams' drop out).
        await Assertions.Expect(grid.GetByText("team.created")).ToHaveCountAsync(1);
        (await grid.InnerTextAsync()).ShouldContain("admin@example.com");
        await BrowserSession.ScreenshotAsync(page, "admin-audit-log");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_SeesTheSystemPage_JobLayerAwsUsageAndIngestion_WhileDevelopersAreDenied()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/system");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.Locator("[data-testid=system-jobs]").GetByText("stack-watcher", new() { Exact = true }).WaitForAsync();
        (await page.Locator("[data-testid=scheduler-state]").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        var jobs = await page.Locator("[data-testid=system-jobs]").InnerTextAsync();
        jobs.ShouldContain("reconciler");
        jobs.ShouldContain("cost-ingestion");
        (await page.Locator("[data-testid=system-aws-summary]").InnerTextAsync()).ShouldContain("Cost Explorer");
        (await page.Locator("[data-testid=system-version]").InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
        await BrowserSession.ScreenshotAsync(page, "admin-system");
        await page.Context.CloseAsync();

        var developer = await session.SignInAsync("dev@example.com");
        await developer.GotoAsync("/admin/system");
        await developer.GetByText("Access denied").WaitForAsync();
        await developer.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_CreatesAToken_AndItWorksAgainstTheApi()
    {
        var page = await session.SignInAsync("dev2@example.com");
        await page.GotoAsync("/tokens");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.FillAsync("input[data-testid=token-name], [data-testid=token-name] input", "laptop");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        var token = (await page.Locator("[data-testid=new-token]").InnerTextAsync()).Trim();
        await page.Locator("[data-testid=tokens-grid]").GetByText("laptop").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "tokens");

        using var client = new HttpClient { BaseAddress = session.Portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = await client.GetAsync("/api/v1/me");
        me.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await me.Content.ReadAsStringAsync()).ShouldContain("\"slug\":\"search\"");

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await page.Locator("[data-testid=tokens-grid]").GetByText("Revoked").WaitForAsync();
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await page.Context.CloseAsync();
    }
}
