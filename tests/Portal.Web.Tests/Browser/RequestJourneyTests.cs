using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// Requests and approvals in Chromium on the embedded default (SQLite, Hangfire's SQLite store, the in-process sandbox), as a
/// new user runs the portal: a developer requests
/// from the catalog, follows the request to Ready; a staging request reaches the approval queue live and only a platform
/// engineer decides.
/// </summary>
public sealed partial class RequestJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Developer_RequestsADevEnvironmentFromTheCatalog_SeesItAutoApproved_AndFollowsItToReady()
    {
        var page = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(page);
        await form.OpenAsync("ecs-web-service");

        await form.FillNameAsync("Bad Name");
        await form.SubmitAsync();
        (await page.Locator("[data-testid=error-name]").InnerTextAsync()).ShouldContain("lowercase");
        await BrowserSession.ScreenshotAsync(page, "request-submit-name-error");

        await form.FillNameAsync("checkout");
        await page.FillAsync("[data-testid=request-justification]", "Load testing the checkout flow");
        await form.SubmitAsync();
        await WaitForRequestPageAsync(page);
        await BrowserSession.WaitForCircuitAsync(page);

        var request = new RequestPageObject(page);
        (await request.OutcomeAsync()).ShouldBe("Auto-approved");
        (await request.ReasonAsync()).ShouldStartWith("Auto-approved: dev");
        await BrowserSession.ScreenshotAsync(page, "request-auto-approved");
        await request.EnvironmentStatus.GetByText("Ready").WaitForAsync(new() { Timeout = 90_000 });
        await request.Status.GetByText("Completed").WaitForAsync();
        (await page.Locator("[data-testid=environment-link]").GetAttributeAsync("href")).ShouldStartWith("environments/");
        (await page.Locator("[data-testid=decision-panel]").CountAsync()).ShouldBe(0);
        await BrowserSession.ScreenshotAsync(page, "request-ready");

        await page.GotoAsync("/requests");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=requests-grid]").GetByText("checkout").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "requests-list");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheSubmitsToast_GoesWhenTheRequestMovesOn_InsteadOfSayingWaitingBesideApproved()
    {
        var dev = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(dev);
        await form.OpenAsync("static-site");
        await dev.Locator("[data-testid=tier]").GetByText("staging").ClickAsync();
        await form.FillNameAsync("toast");
        await dev.FillAsync("[data-testid=request-justification]", "Toast check");
        await form.SubmitAsync();
        await WaitForRequestPageAsync(dev);
        await BrowserSession.WaitForCircuitAsync(dev);
        var view = new RequestPageObject(dev);
        await view.Status.GetByText("Pending approval").WaitForAsync();
        var toast = dev.Locator(".mud-snackbar", new() { HasText = "Requested toast: waiting for approval" });
        (await toast.CountAsync()).ShouldBe(1, "the submit's toast is shown");

        // Approved elsewhere, at once (well inside the toast's five seconds): the page follows, and the toast that said
        // "waiting" goes with the change, not when its time runs out. Waited for a second at most: its own time would run
        // out seconds later.
        var requestId = Guid.Parse(dev.Url.Split('/')[^1]);
        await session.Portal.Services.GetRequiredService<RequestWorkflow>()
            .ApproveAsync(await session.Portal.ActorAsync("platform@example.com"), requestId, "Fine", CancellationToken.None);
        await dev.Locator("[data-testid=decisions]").GetByText("Approved by Pat Platform").WaitForAsync();
        await Expect(toast).ToHaveCountAsync(0, new() { Timeout = 1_000 });
        await dev.Context.CloseAsync();
    }

    [Fact]
    public async Task StagingRequest_AppearsInTheApprovalQueueLive_TheRequesterCannotApprove_APlatformEngineerApproves()
    {
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync("/approvals");
        await BrowserSession.WaitForCircuitAsync(platform);
        await BrowserSession.ScreenshotAsync(platform, "approvals-before");

        var dev = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(dev);
        await form.OpenAsync("static-site");
        await dev.Locator("[data-testid=tier]").GetByText("staging").ClickAsync();
        await form.FillNameAsync("docs");
        await dev.FillAsync("[data-testid=request-justification]", "Release candidate review");
        await form.SubmitAsync();
        await WaitForRequestPageAsync(dev);
        await BrowserSession.WaitForCircuitAsync(dev);
        var devView = new RequestPageObject(dev);
        await devView.Status.GetByText("Pending approval").WaitForAsync();
        (await devView.ReasonAsync()).ShouldBe("Needs 1 platform engineer: staging");
        (await dev.Locator("[data-testid=decision-approve]").CountAsync()).ShouldBe(0);
        await BrowserSession.ScreenshotAsync(dev, "request-pending");

        // The queue that was already open picks the new request up without a reload.
        var review = platform.Locator("[data-testid=review-docs]");
        await review.WaitForAsync();
        await BrowserSession.ScreenshotAsync(platform, "approvals-queue");
        await review.ClickAsync();
        await platform.Locator("[data-testid=approval-detail]").WaitForAsync();
        (await platform.Locator("[data-testid=approval-detail] [data-testid=request-estimate]").InnerTextAsync()).ShouldContain("/month");
        await BrowserSession.ScreenshotAsync(platform, "approvals-detail");
        await platform.FillAsync("[data-testid=decision-comment]", "Fine for the release candidate");
        await platform.ClickAsync("[data-testid=decision-approve]");
        await platform.Locator("[data-testid=approval-status]").GetByText("Approved").WaitForAsync();
        await platform.Locator("[data-testid=review-docs]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await BrowserSession.ScreenshotAsync(platform, "approvals-approved");

        // The requester's open page follows the decision.
        await dev.Locator("[data-testid=decisions]").GetByText("Approved by Pat Platform").WaitForAsync();
        (await devView.Status.TextContentAsync())!.Trim().ShouldBeOneOf("Approved", "Completed");
        (await dev.Locator("[data-testid=decisions]").InnerTextAsync()).ShouldContain("Fine for the release candidate");
        await BrowserSession.ScreenshotAsync(dev, "request-approved");
        await dev.Context.CloseAsync();
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task Reject_RequiresAComment_AndTheRequesterSeesWhy()
    {
        var id = await SubmitAsync("dev2@example.com", "search", "reindex");
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync($"/approvals?request={id}");
        await BrowserSession.WaitForCircuitAsync(platform);

        await platform.ClickAsync("[data-testid=decision-reject]");
        (await platform.Locator("[data-testid=error-comment]").InnerTextAsync()).ShouldContain("why");
        (await platform.Locator("[data-testid=approval-status]").TextContentAsync())!.Trim().ShouldBe("Pending approval");
        await BrowserSession.ScreenshotAsync(platform, "approvals-reject-needs-comment");
        await platform.FillAsync("[data-testid=decision-comment]", "Use the shared staging index");
        await platform.ClickAsync("[data-testid=decision-reject]");
        await platform.Locator("[data-testid=approval-status]").GetByText("Rejected").WaitForAsync();

        var dev2 = await session.SignInAsync("dev2@example.com");
        await dev2.GotoAsync($"/requests/{id}");
        await BrowserSession.WaitForCircuitAsync(dev2);
        await new RequestPageObject(dev2).Status.GetByText("Rejected").WaitForAsync();
        (await dev2.Locator("[data-testid=decisions]").InnerTextAsync()).ShouldContain("Use the shared staging index");
        await BrowserSession.ScreenshotAsync(dev2, "request-rejected");
        await dev2.Context.CloseAsync();
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task DecisionMadeElsewhere_AppearsAtOnce_OnAnotherEngineersOpenRequest()
    {
        var id = await SubmitAsync("dev2@example.com", "search", "catalog-api");
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync($"/approvals?request={id}");
        await BrowserSession.WaitForCircuitAsync(platform);
        (await platform.Locator("[data-testid=decision-approve]").IsEnabledAsync()).ShouldBeTrue();

        var other = await ActorAsync("platform2@example.com");
        await session.Portal.Services.GetRequiredService<RequestWorkflow>().ApproveAsync(other, id, "Ship it", CancellationToken.None);

        await platform.Locator("[data-testid=decision-closed]").WaitForAsync();
        await platform.Locator("[data-testid=decisions]").GetByText("Approved by Pia Platform").WaitForAsync();
        (await platform.Locator("[data-testid=review-catalog-api]").CountAsync()).ShouldBe(0);
        await BrowserSession.ScreenshotAsync(platform, "approvals-decided-elsewhere");
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task PlatformEngineersOwnRequest_ShowsApproveDisabled_WithTheReason()
    {
        var id = await SubmitAsync("platform@example.com", "search", "own-tools");
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync($"/approvals?request={id}");
        await BrowserSession.WaitForCircuitAsync(platform);

        (await platform.Locator("[data-testid=own-request-note]").InnerTextAsync()).ShouldContain("another platform engineer must decide");
        (await platform.Locator("[data-testid=decision-approve]").IsDisabledAsync()).ShouldBeTrue();
        (await platform.Locator("[data-testid=decision-reject]").IsDisabledAsync()).ShouldBeTrue();
        await BrowserSession.ScreenshotAsync(platform, "approvals-own-request");
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task RequestsPage_ListsTheRequestsThatExist_AsSoonAsItOpens()
    {
        await SubmitAsync("dev@example.com", "payments", "listed-on-load");
        var page = await session.SignInAsync("dev@example.com");

        var document = await page.GotoAsync("/requests");

        // The grid renders before its first load (the prerendered document and the first interactive render): it says it is
        // loading, never "no requests" (CI 2026-12-06 read "No requests yet" from that render, the row came a moment later).
        var prerendered = await document!.TextAsync();
        prerendered.ShouldNotContain("No requests yet");
        prerendered.ShouldContain("Loading requests");
        await BrowserSession.WaitForCircuitAsync(page);

        // Whatever the grid shows first (rows or "no requests") must already be the rows: nothing else changes meanwhile.
        var grid = page.Locator("[data-testid=requests-grid]");
        await grid.Locator("[data-testid=request-link]").Or(grid.GetByText("No requests yet")).First.WaitForAsync();
        (await grid.GetByText("listed-on-load").CountAsync()).ShouldBe(1);
        await ScreenshotsAsync(page, "requests-list-on-load");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ProdRequest_NeedsTwoDifferentPlatformEngineers_CountedAlike_OnTheQueueAndTheRequestPage()
    {
        // A developer asks for prod from the catalog.
        var dev = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(dev);
        await form.OpenAsync("static-site");
        await dev.Locator("[data-testid=tier]").GetByText("prod").ClickAsync();
        await form.FillNameAsync("storefront");
        await dev.FillAsync("[data-testid=request-justification]", "Launch of the new storefront");
        await form.SubmitAsync();
        await WaitForRequestPageAsync(dev);
        await BrowserSession.WaitForCircuitAsync(dev);
        var devView = new RequestPageObject(dev);
        await devView.Status.GetByText("Pending approval").WaitForAsync();
        (await devView.ReasonAsync()).ShouldBe("Needs 2 different platform engineers: prod");
        (await dev.Locator("[data-testid=approvals]").InnerTextAsync()).ShouldContain("0 of 2");
        var id = Guid.Parse(dev.Url[^36..]);

        // The first engineer approves from the queue: 1 of 2, on the queue and on the request alike.
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync("/approvals");
        await BrowserSession.WaitForCircuitAsync(platform);
        var queue = new ApprovalsPageObject(platform);
        (await queue.ApprovalsAsync("storefront")).ShouldBe("0 of 2");
        await ScreenshotsAsync(platform, "approvals-queue-prod");
        await queue.OpenAsync("storefront");
        await ScreenshotsAsync(platform, "approvals-detail-prod");
        await platform.FillAsync("[data-testid=decision-comment]", "Sizing looks right");
        await platform.ClickAsync("[data-testid=decision-approve]");
        await platform.Locator("[data-testid=already-approved-note]").WaitForAsync();
        await platform.Locator("[data-testid=approval-detail] [data-testid=approvals]").GetByText("1 of 2").WaitForAsync();
        await platform.Locator("[data-testid=approvals-count-storefront]").GetByText("1 of 2").WaitForAsync();
        (await platform.Locator("[data-testid=decision-approve]").IsDisabledAsync()).ShouldBeTrue();
        await dev.Locator("[data-testid=approvals]").GetByText("1 of 2").WaitForAsync();
        (await devView.Status.TextContentAsync())!.Trim().ShouldBe("Pending approval");

        // The second engineer's approval completes it; the requester's open page follows.
        var platform2 = await session.SignInAsync("platform2@example.com");
        await platform2.GotoAsync("/approvals");
        await BrowserSession.WaitForCircuitAsync(platform2);
        (await new ApprovalsPageObject(platform2).ApprovalsAsync("storefront")).ShouldBe("1 of 2");
        await platform2.GotoAsync($"/approvals?request={id}");
        await BrowserSession.WaitForCircuitAsync(platform2);
        await platform2.ClickAsync("[data-testid=decision-approve]");
        await platform2.Locator("[data-testid=approval-status]").GetByText("Approved").WaitForAsync();

        await dev.Locator("[data-testid=decisions]").GetByText("Approved by Pia Platform").WaitForAsync();
        (await devView.Status.TextContentAsync())!.Trim().ShouldBeOneOf("Approved", "Completed");
        (await dev.Locator("[data-testid=approvals]").InnerTextAsync()).ShouldContain("2 of 2");
        (await dev.Locator("[data-testid=decision-outcome]").CountAsync()).ShouldBe(1);
        (await devView.OutcomeAsync()).ShouldNotBe("Needs approval");
        await ScreenshotsAsync(dev, "request-prod-approved");
        await platform2.Context.CloseAsync();
        await platform.Context.CloseAsync();
        await dev.Context.CloseAsync();
    }

    [Fact]
    public async Task PlatformEngineersOwnProdRequest_TheyCannotApprove_TwoOthersMust()
    {
        var outcome = await session.Portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(
            await ActorAsync("platform@example.com"),
            new SubmitRequest("create", "static-site", "prod", Team: "search", Name: "status-page", Justification: "Public status page"),
            CancellationToken.None);
        outcome.Status.ShouldBe(Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval);
        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync($"/approvals?request={outcome.Id}");
        await BrowserSession.WaitForCircuitAsync(platform);

        (await platform.Locator("[data-testid=own-request-note]").InnerTextAsync()).ShouldContain("another platform engineer must decide");
        (await platform.Locator("[data-testid=decision-approve]").IsDisabledAsync()).ShouldBeTrue();

        var platform2 = await session.SignInAsync("platform2@example.com");
        await platform2.GotoAsync($"/approvals?request={outcome.Id}");
        await BrowserSession.WaitForCircuitAsync(platform2);
        await platform2.ClickAsync("[data-testid=decision-approve]");
        await platform2.Locator("[data-testid=approval-detail] [data-testid=approvals]").GetByText("1 of 2").WaitForAsync();
        (await platform2.Locator("[data-testid=approval-status]").TextContentAsync())!.Trim().ShouldBe("Pending approval");
        await platform.Locator("[data-testid=approval-detail] [data-testid=approvals]").GetByText("1 of 2").WaitForAsync();
        (await platform.Locator("[data-testid=decision-approve]").IsDisabledAsync()).ShouldBeTrue();
        await ScreenshotsAsync(platform, "approvals-own-prod-request");
        await platform2.Context.CloseAsync();
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_OpeningApprovals_IsToldAccessIsDenied()
    {
        var page = await session.SignInAsync("dev@example.com");

        await page.GotoAsync("/approvals");

        await page.GetByText("Access denied").WaitForAsync();
        (await page.Locator("[data-testid=approvals-queue]").CountAsync()).ShouldBe(0);
        await page.Context.CloseAsync();
    }

    /// <summary>
    /// The page at 1400 px and at 390 px wide (name-1400, name-390), then back to 1400 px, settled: callers click on right after,
    /// and a click while the drawer still slides back could be lost (see <see cref="BrowserSession.ResizeAsync"/>).
    /// </summary>
    internal static async Task ScreenshotsAsync(IPage page, string name)
    {
        await BrowserSession.ScreenshotAsync(page, name + "-1400", bothWidths: false);
        await BrowserSession.ResizeAsync(page, 390, 844);
        await BrowserSession.ScreenshotAsync(page, name + "-390", bothWidths: false);
        await BrowserSession.ResizeAsync(page, 1400, 900);
    }

    private static Regex RequestUrl() => RequestUrlPattern();

    /// <summary>
    /// Waits for the submit to open the request's page; if it does not, fails with what the form shows instead (its errors, the
    /// page's error boundary, Blazor's error bar) and a screenshot, so a stuck submit says why.
    /// </summary>
    internal static async Task WaitForRequestPageAsync(IPage page)
    {
        try
        {
            await BrowserSession.WaitForUrlAsync(page, url => RequestUrl().IsMatch(url));
        }
        catch (TimeoutException)
        {
            var name = "request-submit-stuck-" + Guid.NewGuid().ToString("N")[..8];
            await BrowserSession.ScreenshotAsync(page, name, bothWidths: false);
            var shown = await page.Locator("[data-testid=request-submit], [data-testid=page-error], #blazor-error-ui[style*=block]").AllInnerTextsAsync();
            var value = await page.Locator("[data-testid=request-name]").InputValueAsync();
            throw new TimeoutException($"Submit did not open the request page (screenshot {name}); name field '{value}'; the page shows: {string.Join(" | ", shown)}");
        }
    }

    [GeneratedRegex("/requests/[0-9a-f-]{36}$")]
    private static partial Regex RequestUrlPattern();

    /// <summary>A staging static-site request through the service (the form is covered above), pending approval.</summary>
    private async Task<Guid> SubmitAsync(string email, string team, string name)
    {
        var outcome = await session.Portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(
            await ActorAsync(email), new SubmitRequest("create", "static-site", "staging", Team: team, Name: name, Justification: "Needed for the release"), CancellationToken.None);
        outcome.Status.ShouldBe(Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval);
        return outcome.Id;
    }

    private Task<LifecycleActor> ActorAsync(string email) => ActorAsync(session, email);

    /// <summary>The lifecycle actor of a demo user, as the portal builds it from the database.</summary>
    internal static async Task<LifecycleActor> ActorAsync(BrowserSession session, string email)
    {
        await using var db = await session.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name).ToListAsync();
        var teams = await db.TeamMemberships.Where(m => m.UserId == user.Id).Select(m => m.TeamId).ToListAsync();
        var platform = roles.Contains(PortalRoles.PlatformEngineer);
        return new LifecycleActor(user.Id, email, platform, platform || roles.Contains(PortalRoles.Admin) || roles.Contains(PortalRoles.Finance), teams.ToHashSet());
    }
}

/// <summary>Page object for a template's request form and its submit panel.</summary>
public sealed class CatalogRequestForm(IPage page)
{
    public async Task OpenAsync(string template)
    {
        await page.GotoAsync($"/catalog/{template}");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=live-estimate]").WaitForAsync();
    }

    public async Task FillNameAsync(string name)
    {
        var input = page.Locator("[data-testid=request-name]");
        await input.FillAsync(name);
        await input.PressAsync("Tab");
    }

    public async Task SubmitAsync() => await page.ClickAsync("[data-testid=submit-request]");
}

/// <summary>Page object for <c>/requests/{id}</c>.</summary>
public sealed class RequestPageObject(IPage page)
{
    public ILocator Status => page.Locator("[data-testid=request-status]");

    public ILocator EnvironmentStatus => page.Locator("[data-testid=environment-status]");

    public async Task<string> OutcomeAsync() => (await page.Locator("[data-testid=decision-outcome]").TextContentAsync() ?? "").Trim();

    public async Task<string> ReasonAsync() => (await page.Locator("[data-testid=decision-reason]").InnerTextAsync()).Trim();
}

/// <summary>Page object for <c>/approvals</c>: the queue's rows by environment name.</summary>
public sealed class ApprovalsPageObject(IPage page)
{
    /// <summary>The row's approval count ("1 of 2"), once the row is there.</summary>
    public async Task<string> ApprovalsAsync(string environmentName)
    {
        var cell = page.Locator($"[data-testid=approvals-count-{environmentName}]");
        await cell.WaitForAsync();
        return (await cell.InnerTextAsync()).Trim();
    }

    public async Task OpenAsync(string environmentName)
    {
        await page.ClickAsync($"[data-testid=review-{environmentName}]");
        await page.Locator("[data-testid=approval-detail]").WaitForAsync();
    }
}
