using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;
using Portal.Web.Tests.Lifecycle;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The portal on SQLite with a weekend clock (off-hours all the time, so the schedule's job only ever stops) and three dev
/// ecs-web-service environments of payments: one to update, one for the off-hours schedule, one to destroy.
/// </summary>
public sealed class EnvironmentPagesSession() : BrowserSession(DatabaseProvider.Sqlite, null, s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(OffHoursTesting.WeekendClock())))
{
    public const string AlarmEmail = "ops@example.com";

    public Guid Mailer { get; private set; }

    public Guid Ledger { get; private set; }

    public Guid Sunset { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Mailer = await CreateAsync("mailer", new Dictionary<string, string> { ["AlarmEmail"] = AlarmEmail });
        Ledger = await CreateAsync("ledger");
        Sunset = await CreateAsync("sunset");
        foreach (var id in new[] { Mailer, Ledger, Sunset })
        {
            await Portal.WaitForAsync(id, EnvironmentStatus.Ready, 180);
        }
    }

    private async Task<Guid> CreateAsync(string name, IReadOnlyDictionary<string, string>? parameters = null)
    {
        var outcome = await Portal.SubmitAsync("dev@example.com", new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: name, Parameters: parameters));
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        return outcome.EnvironmentId!.Value;
    }
}

/// <summary>The environment pages' defects from the walkthrough (issue 15: #5, #7, #8, #9) and the list's search, chips and sorting.</summary>
public sealed class EnvironmentPagesTests(EnvironmentPagesSession session) : IClassFixture<EnvironmentPagesSession>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 180_000 };

    [Fact]
    public async Task UpdateDialog_ShowsTheCurrentValuesUnderTheTemplatesLabels_AndAnInvalidEmailAtItsField()
    {
        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(session.Mailer);

        await page.ClickAsync("[data-testid=update]");
        var email = page.Locator("[data-testid=update-AlarmEmail]");
        (await email.Locator("input").InputValueAsync()).ShouldBe(EnvironmentPagesSession.AlarmEmail);
        await Expect(email.Locator("label")).ToHaveTextAsync("E-mail for alarm notifications (optional)");
        (await page.Locator("[data-testid=update-ContainerImage] input").InputValueAsync()).ShouldStartWith("public.ecr.aws/");

        await email.Locator("input").FillAsync("not-an-email");
        await page.ClickAsync("[data-testid=update-preview-button]");
        await Expect(email).ToContainTextAsync("give one e-mail address such as ops@example.com", new() { Timeout = 60_000 });
        (await email.InnerTextAsync()).ShouldNotContain("System.String[]");
        (await page.Locator("[data-testid=update-dialog]").InnerTextAsync()).ShouldNotContain("System.String[]");
        (await page.Locator("[data-testid=update-error]").CountAsync()).ShouldBe(0, "the message belongs at the field, not below the form");
        await BrowserSession.ScreenshotAsync(page, "environment-update-field-error", bothWidths: false);
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, "environment-update-field-error-390", bothWidths: false);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task OffHours_OnConfirmsWithTheHours_StoppedSaysWhyAndWhyNoUpdate_AndStartNowStartsIt()
    {
        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(session.Ledger);

        await Expect(page.Locator("[data-testid=off-hours-window]")).ToContainTextAsync("Monday to Friday, 07:00–19:00 UTC");
        await page.GetByLabel("Stop outside business hours").ClickAsync(new() { Force = true });
        var snackbar = page.Locator(".mud-snackbar", new() { HasText = "Off-hours schedule on" });
        await Expect(snackbar).ToContainTextAsync("Monday to Friday, 07:00–19:00 UTC");
        await BrowserSession.ScreenshotAsync(page, "environment-off-hours-on");

        await OffHoursTesting.StopAsync(session.Portal, session.Ledger);
        await Expect(environment.Status).ToHaveTextAsync("Stopped", Slow);
        var reason = page.Locator("[data-testid=stopped-reason]");
        await Expect(reason).ToContainTextAsync("off-hours schedule");
        await Expect(reason).ToContainTextAsync("starts again by itself at");
        await Expect(page.Locator("[data-testid=update]")).ToBeDisabledAsync();
        await Expect(page.Locator("[data-testid=update-disabled-reason]")).ToContainTextAsync("stopped");
        await BrowserSession.ScreenshotAsync(page, "environment-stopped", bothWidths: false);
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, "environment-stopped-390", bothWidths: false);
        await BrowserSession.ResizeAsync(page, 1400, 900);

        await page.ClickAsync("[data-testid=start-now]");
        await Expect(page.Locator(".mud-snackbar", new() { HasText = "Starting ledger" })).ToBeVisibleAsync();
        await Expect(environment.Status).ToHaveTextAsync(new Regex("^(Starting|Ready)$"));
        await Expect(environment.Status).ToHaveTextAsync("Ready", Slow);
        await Expect(page.Locator("[data-testid=stopped-reason]")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DestroyDialog_ListsTheRetainedBucketsAndWhatTheyCost_AndTheDestroyedPageSaysWhatIsLeft()
    {
        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(session.Sunset);

        await page.ClickAsync("[data-testid=destroy]");
        var scope = page.Locator("[data-testid=destroy-scope]");
        await Expect(scope).ToContainTextAsync("keep billing");
        (await scope.InnerTextAsync()).ShouldNotContain("every resource");
        var retained = page.Locator("[data-testid=destroy-retained]");
        await Expect(retained).ToContainTextAsync("LogsBucket");
        await Expect(retained).ToContainTextAsync("AssetsBucket");
        await Expect(page.Locator("[data-testid=destroy-retained-total]")).ToHaveTextAsync(new Regex(@"^\$\d[\d,]*\.\d\d$"));
        await BrowserSession.ScreenshotAsync(page, "environment-destroy-retained", bothWidths: false);
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, "environment-destroy-retained-390", bothWidths: false);
        await BrowserSession.ResizeAsync(page, 1400, 900);

        await page.FillAsync("[data-testid=destroy-confirm-name] input, input[data-testid=destroy-confirm-name]", "sunset");
        await page.ClickAsync("[data-testid=destroy-submit]");
        await Expect(page.Locator("[data-testid=action-outcome]")).ToContainTextAsync("Destroy approved");
        await Expect(environment.Status).ToHaveTextAsync("Destroyed", Slow);
        await Expect(page.Locator("[data-testid=retained-after]")).ToContainTextAsync("2 resources");
        await environment.ShowTabAsync("Resources");
        await Expect(page.Locator("[data-testid=retained-resources]")).ToContainTextAsync("DELETE_SKIPPED");
        await BrowserSession.ScreenshotAsync(page, "environment-destroyed-retained");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DetailTabs_OverviewResourcesEventsCostParametersHistory_AtBothWidths()
    {
        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(session.Mailer);
        await Expect(page.Locator("[data-testid=copy-stack-id]")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "environment-tab-overview");

        await environment.ShowTabAsync("Resources");
        await Expect(page.Locator("[data-testid=resources]")).ToContainTextAsync("AWS::ECS::Cluster");
        await Expect(page.Locator("[data-testid=retained-resources]")).ToContainTextAsync("LogsBucket");
        await BrowserSession.ScreenshotAsync(page, "environment-tab-resources");

        await environment.ShowTabAsync("Events");
        await Expect(environment.Events).ToContainTextAsync("CREATE_COMPLETE");
        var first = await environment.Events.Locator("tbody tr").First.InnerTextAsync();
        first.ShouldContain("AWS::CloudFormation::Stack", Case.Sensitive, "newest first: the stack's own CREATE_COMPLETE comes last in time");
        await BrowserSession.ScreenshotAsync(page, "environment-tab-events");

        await environment.ShowTabAsync("Parameters");
        await Expect(page.Locator("[data-testid=parameters]")).ToContainTextAsync("E-mail for alarm notifications (optional)");
        await Expect(page.Locator("[data-testid=parameter-AlarmEmail]")).ToContainTextAsync(EnvironmentPagesSession.AlarmEmail);
        await BrowserSession.ScreenshotAsync(page, "environment-tab-parameters");

        await environment.ShowTabAsync("History");
        await Expect(page.Locator("[data-testid=history-requests]")).ToContainTextAsync("Create");
        // Changes read as field, before → after; never the raw JSON the audit stores.
        await Expect(page.Locator("[data-testid=history-audit]")).ToContainTextAsync("Status: Provisioning → Ready");
        (await page.Locator("[data-testid=history-audit]").InnerTextAsync()).ShouldNotContain("{\"");
        await BrowserSession.ScreenshotAsync(page, "environment-tab-history");

        await environment.ShowTabAsync("Cost");
        await Expect(page.Locator("[data-testid=cost-panel]").Or(page.GetByText("No cost data for this environment"))).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "environment-tab-cost");

        // At 390 px the tab strip scrolls sideways; the tabs are also links (?tab=).
        await page.SetViewportSizeAsync(390, 844);
        await environment.OpenAsync(session.Mailer, "overview");
        await BrowserSession.ScreenshotAsync(page, "environment-tab-overview-390", bothWidths: false);
        await environment.OpenAsync(session.Mailer, "events");
        await Expect(environment.Events).ToContainTextAsync("CREATE_COMPLETE");
        await BrowserSession.ScreenshotAsync(page, "environment-tab-events-390", bothWidths: false);

        // At a phone's width every value keeps room beside its label or in its row: a long label ("API container image (listens
        // on port 8000)") and cells that may break anywhere (physical ids, audit details) once left theirs a character's width,
        // rows hundreds of pixels tall and the values out of sight (session 17's screenshots).
        foreach (var (tab, shown) in new[] { ("overview", "[data-testid=copy-stack-id]"), ("parameters", "[data-testid=parameters]"), ("resources", "[data-testid=resources]"), ("history", "[data-testid=history-audit]") })
        {
            await environment.OpenAsync(session.Mailer, tab);
            await page.Locator(shown).First.WaitForAsync();
            var narrow = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('.portal-facts dd, td.portal-break')]
                    .filter(e => e.getBoundingClientRect().width < 150)
                    .map(e => `${Math.round(e.getBoundingClientRect().width)} px: ${e.textContent.trim().slice(0, 40)}`)
                """);
            narrow.ShouldBeEmpty($"the {tab} tab at 390 px");
        }

        await BrowserSession.ScreenshotAsync(page, "environment-tab-history-390", bothWidths: false);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EnvironmentsList_SearchesByName_FiltersWithChips_AndSorts()
    {
        var page = await session.SignInAsync("platform@example.com");
        await page.GotoAsync("/environments");
        await BrowserSession.WaitForCircuitAsync(page);
        var grid = page.Locator("[data-testid=environments-grid]");
        await Expect(grid).ToContainTextAsync("mailer");

        await page.FillAsync("[data-testid=filter-search] input, input[data-testid=filter-search]", "ledg");
        await Expect(page.Locator("[data-testid=env-link-ledger]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=env-link-mailer]")).ToHaveCountAsync(0);
        await page.FillAsync("[data-testid=filter-search] input, input[data-testid=filter-search]", "");
        await Expect(page.Locator("[data-testid=env-link-mailer]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid=chip-team-search]");
        await Expect(page.Locator("[data-testid=env-link-mailer]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-testid=chip-team-search]");
        await page.ClickAsync("[data-testid=chip-tier-prod]");
        await Expect(page.Locator("[data-testid=env-link-mailer]")).ToHaveCountAsync(0);
        await page.ClickAsync("[data-testid=chip-tier-dev]");
        await Expect(page.Locator("[data-testid=env-link-mailer]")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "environments-list-filtered");

        // Sorting by name (server side): ascending puts ledger first.
        await grid.Locator(".sortable-column-header", new() { HasTextRegex = new Regex("^Name$") }).ClickAsync();
        await Expect(grid.Locator("tbody tr").First).ToContainTextAsync("ledger");
        await BrowserSession.ScreenshotAsync(page, "environments-list-sorted");
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, "environments-list-390", bothWidths: false);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task MalformedId_FallsThroughToTheNotFoundPage_NotRawJson()
    {
        var page = await session.SignInAsync("dev@example.com");
        var response = await page.GotoAsync("/environments/not-a-guid");
        var body = await page.Locator("body").InnerTextAsync();
        body.TrimStart().ShouldNotStartWith("{");
        body.ShouldNotContain("\"status\"");
        body.ShouldContain("not found", Case.Insensitive);
        response.ShouldNotBeNull().Status.ShouldBe(404);
        await BrowserSession.ScreenshotAsync(page, "environment-malformed-id");
        await page.Context.CloseAsync();
    }
}
