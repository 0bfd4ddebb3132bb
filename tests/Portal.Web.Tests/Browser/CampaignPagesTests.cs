using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Microsoft.Playwright;
using Portal.Data.Entities.Campaigns;
using Portal.Provisioning.Campaigns;
using Portal.TestSupport;
using Portal.Web.Tests.Campaigns;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>The embedded default with the upgrade fixture catalog (static-site 1.0.0, then 1.1.0 published).</summary>
public sealed class CampaignBrowserSession : BrowserSession
{
    public CampaignBrowserSession()
        : this(UpgradeCatalog.Create())
    {
    }

    private CampaignBrowserSession(UpgradeCatalog catalog)
        : base(DatabaseProvider.Sqlite, new Dictionary<string, string?> { ["Catalog:Directory"] = catalog.Directory }) => Catalog = catalog;

    public UpgradeCatalog Catalog { get; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Environments = await CampaignFlowTests.CreateFleetAsync(Portal, devPerTeam: 2, stagingPerTeam: 1, prodPerTeam: 1);
        await CampaignFlowTests.PublishNextVersionAsync(Portal, Catalog);
    }

    public IReadOnlyDictionary<string, Guid> Environments { get; private set; } = new Dictionary<string, Guid>();
}

/// <summary>
/// The campaign preview page in Chromium: a platform engineer reads the fleet-wide preview (replacements flagged loudly, cost
/// per environment and in total, the dropped parameter's warning), at 1400 and 390 px; the environment page says 1.1.0 is available.
/// </summary>
public sealed class CampaignPagesTests(CampaignBrowserSession session) : IClassFixture<CampaignBrowserSession>
{
    [Fact]
    public async Task Preview_ShowsEveryEnvironmentsChanges_FlagsTheReplacement_AndTheCost()
    {
        var platform = await session.Portal.ActorAsync("platform@example.com");
        var id = await session.Portal.Services.GetRequiredService<CampaignPlanner>().CreateAsync(
            new CampaignActor(platform.UserId, platform.Name), new NewCampaign("static-site 1.1.0 everywhere", "static-site", WaveSize: 2), CancellationToken.None);

        var page = await session.SignInAsync("platform@example.com");
        var campaign = new CampaignPage(page);
        await campaign.OpenAsync(id);
        await campaign.Start.WaitForAsync(new() { Timeout = 120_000 });

        (await campaign.Rows.CountAsync()).ShouldBe(8);
        (await page.Locator("[data-testid=target-p-dev-2]").InnerTextAsync()).ShouldContain("1.0.0 → 1.1.0");
        (await campaign.Replacements.InnerTextAsync()).ShouldContain("8 resources in 8 environments");
        (await campaign.Replacements.InnerTextAsync()).ShouldContain("replaced");
        (await page.Locator("[data-testid=replacement]").CountAsync()).ShouldBe(8, "each environment's replaced log group is flagged");
        (await page.Locator("[data-testid=total-replaced]").InnerTextAsync()).ShouldBe("8 replaced");
        (await page.Locator("[data-testid=target-p-dev-1] [data-testid=param-dropped]").InnerTextAsync()).ShouldContain("CertificateArn");
        (await page.Locator("[data-testid=target-p-dev-1] [data-testid=param-filled]").InnerTextAsync()).ShouldContain("DefaultTtlSeconds");
        (await page.Locator("[data-testid=total-cost-delta]").InnerTextAsync()).ShouldMatch(@"^[+−]?\$[0-9,]+\.[0-9]{2}$");
        await BrowserSession.ScreenshotAsync(page, "campaign-preview-1400");

        await BrowserSession.ResizeAsync(page, 390, 844);
        await campaign.Start.WaitForAsync();
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        overflow.ShouldBeFalse("the page scrolls sideways at 390 px only inside the table");
        await BrowserSession.ScreenshotAsync(page, "campaign-preview-390");

        await page.SetViewportSizeAsync(1400, 900);
        await page.GotoAsync($"/environments/{session.Environments["p-dev-2"]}");
        await BrowserSession.WaitForCircuitAsync(page);
        var notice = page.Locator("[data-testid=upgrade-available]");
        await notice.WaitForAsync();
        (await notice.InnerTextAsync()).ShouldContain("Version 1.1.0 available");
        (await page.Locator("[data-testid=upgrade-diff]").InnerTextAsync()).ShouldContain("CertificateArn");
        await BrowserSession.ScreenshotAsync(page, "environment-upgrade-available-1400");
    }

    [Fact]
    public async Task Form_CreatesACampaign_FromTemplateVersionTiersTeamsAndWaveSize_ShowsThePreview_AndStartsIt()
    {
        var page = await session.SignInAsync("platform@example.com");
        await page.GotoAsync("/campaigns");
        await BrowserSession.WaitForCircuitAsync(page);

        // payments' staging and prod sites (both need an engineer's approval, so nothing is upgraded behind the other tests' backs).
        await page.Locator("input[data-testid=campaign-name], [data-testid=campaign-name] input").FillAsync("payments staging and prod");
        await CostPages.ChooseAsync(page, "campaign-template", "static-site 1.1.0");
        await Expect(page.Locator("input[data-testid=campaign-target-version], [data-testid=campaign-target-version] input")).ToHaveValueAsync("1.1.0");
        await CostPages.ChooseAsync(page, "campaign-tiers", "staging");
        await CostPages.ChooseAsync(page, "campaign-tiers", "prod");
        await CostPages.ChooseAsync(page, "campaign-teams", "payments");
        var waveSize = page.Locator("input[data-testid=campaign-wave-size], [data-testid=campaign-wave-size] input");
        await waveSize.FillAsync("1");
        await waveSize.PressAsync("Tab");
        await BrowserSession.ScreenshotAsync(page, "campaign-form", bothWidths: false);
        await page.Locator("[data-testid=campaign-create]").ClickAsync();

        // The preview: exactly the chosen tiers and team, one environment a wave.
        await BrowserSession.WaitForUrlAsync(page, url => System.Text.RegularExpressions.Regex.IsMatch(url, "/campaigns/[0-9a-f-]{36}$"));
        var campaign = new CampaignPage(page);
        await campaign.Start.WaitForAsync(new() { Timeout = 120_000 });
        await Expect(campaign.Rows).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-testid=target-p-stg-1]")).ToContainTextAsync("1.0.0 → 1.1.0");
        await Expect(page.Locator("[data-testid=target-p-prd-1]")).ToContainTextAsync("1.0.0 → 1.1.0");
        await Expect(page.Locator("[data-testid=total-environments]")).ToHaveTextAsync("2");
        var summary = await page.Locator("h1").Locator("xpath=../..").InnerTextAsync();
        summary.ShouldContain("staging, prod");
        summary.ShouldContain("payments");
        summary.ShouldContain("1 environment a wave");
        await BrowserSession.ScreenshotAsync(page, "campaign-form-preview", bothWidths: false);

        // Started from the page; the page follows the rollout live (signalled, not polled): staging's upgrade is requested.
        await campaign.Start.ClickAsync();
        await Expect(campaign.Status).ToHaveTextAsync("Running");
        await Expect(page.Locator("[data-testid=target-p-stg-1] [data-testid=target-status]")).ToHaveTextAsync("Submitted", new() { Timeout = 60_000 });
        await Expect(page.Locator("[data-testid=target-p-prd-1] [data-testid=target-status]")).ToHaveTextAsync("Ready");
        await page.Locator("[data-testid=campaign-cancel]").ClickAsync();
        await Expect(campaign.Status).ToHaveTextAsync("Cancelled");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_IsRefusedTheCampaignPages_AndDoesNotSeeThemInTheNavigation()
    {
        var page = await session.SignInAsync("dev@example.com");
        (await new Navigation(page).ItemsAsync()).ShouldNotContain("Upgrade campaigns");
        await page.GotoAsync("/campaigns");
        await BrowserSession.WaitForCircuitAsync(page);
        (await page.Locator("[data-testid=campaign-form]").CountAsync()).ShouldBe(0);
    }
}

/// <summary>Page object for /campaigns/{id}.</summary>
public sealed class CampaignPage(IPage page)
{
    public async Task OpenAsync(Guid id)
    {
        await page.GotoAsync($"/campaigns/{id}");
        await BrowserSession.WaitForCircuitAsync(page);
    }

    public ILocator Start => page.Locator("[data-testid=campaign-start]");

    public ILocator Rows => page.Locator("[data-testid=campaign-targets] tbody tr");

    public ILocator Replacements => page.Locator("[data-testid=campaign-replacements]");

    public ILocator Status => page.Locator("[data-testid=campaign-status]").First;

    public static CampaignStatus Parse(string text) => Enum.Parse<CampaignStatus>(text.Trim());
}
