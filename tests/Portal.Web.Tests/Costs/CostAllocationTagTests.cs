using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Sandbox;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The cost allocation tag check against the sandbox's Cost Explorer (tags start Inactive, as in AWS): at startup, before
/// any stack, the tags are unknown; once an environment's stack carries them Portal activates them; where the account
/// denies UpdateCostAllocationTagsStatus the check records AccessDenied and the admin System page warns.
/// </summary>
public sealed class CostAllocationTagTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);

        // The startup check runs in the background as the portal starts.
        await _portal.WaitUntilAsync(async db => await db.CostAllocationTagChecks.CountAsync() == 3);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AtStartup_BeforeAnyStackUsedThem_TheTagsAreRecordedAsNotFound_WithCostExplorersError()
    {
        await using var db = await _portal.DbAsync();
        var checks = await db.CostAllocationTagChecks.AsNoTracking().OrderBy(c => c.TagKey).ToListAsync();

        checks.Select(c => c.TagKey).ShouldBe(["portal:environment-id", "portal:team", "portal:tier"]);
        checks.ShouldAllBe(c => c.AccountId == "123456789012" && c.Status == CostAllocationTagCheck.NotFound && !c.ActivatedByPortal);
        checks.ShouldAllBe(c => c.Error != null && c.Error.StartsWith("TagKeysNotFoundException"));
    }

    [Fact]
    public async Task OnceAStackCarriesTheTags_TheCheckActivatesThem_AndCostExplorerReportsThemActive()
    {
        await _portal.WaitForAsync(await _portal.CreateDevSiteAsync("dev@example.com", "payments", "tagged"), EnvironmentStatus.Ready);
        var tags = _portal.Services.GetRequiredService<CostAllocationTags>();

        var checks = await tags.CheckAllAsync(CancellationToken.None);
        var again = await tags.CheckAllAsync(CancellationToken.None);

        checks.ShouldAllBe(c => c.IsActive && c.ActivatedByPortal && c.Error == null);
        again.ShouldAllBe(c => c.IsActive && !c.ActivatedByPortal, "already active: nothing to do");
        var client = _portal.Services.GetRequiredService<ICostExplorerClientFactory>()
            .Create(_portal.Services.GetRequiredService<AwsAccountDirectory>().ContextFor("123456789012"));
        var listed = await client.ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest { TagKeys = CostAllocationTags.Required }, CancellationToken.None);
        listed.CostAllocationTags.Select(t => (t.TagKey, t.Status)).Order().ShouldBe(
            [("portal:environment-id", "Active"), ("portal:team", "Active"), ("portal:tier", "Active")]);
        await using var db = await _portal.DbAsync();
        (await db.AuditEvents.CountAsync(a => a.Action == "cost-allocation-tag.activated")).ShouldBe(3);
    }

    [Fact]
    public async Task TheIngestionJob_ThenChecksTheTags_AndEvaluatesBudgetAlerts()
    {
        await _portal.WaitForAsync(await _portal.CreateDevSiteAsync("dev@example.com", "payments", "ingested"), EnvironmentStatus.Ready);
        await using (var db = await _portal.DbAsync())
        {
            // A one-cent organisation budget: the sandbox's untagged spend alone crosses every threshold.
            db.OrganisationBudgets.Add(OrganisationBudget.Create(0.01m, DateTimeOffset.UtcNow));
            await db.SaveChangesAsync();
        }

        await _portal.Services.GetRequiredService<Portal.Provisioning.Jobs.CostIngestionTrigger>().TriggerNowAsync(CancellationToken.None);

        await _portal.WaitUntilAsync(async db => await db.BudgetAlerts.CountAsync(a => a.Scope == BudgetAlert.OrganisationScope) == 4, TimeSpan.FromSeconds(60));
        await using var check = await _portal.DbAsync();
        (await check.CostIngestionRuns.CountAsync(r => r.Status == CostIngestionStatus.Succeeded)).ShouldBe(1);
        (await check.CostAllocationTagChecks.ToListAsync()).ShouldAllBe(c => c.Status == "Active" && c.ActivatedByPortal, "checked again after the run, now that a stack carries the tags");
    }

    [Fact]
    public async Task WhereActivationIsDenied_TheCheckRecordsAccessDenied_AndTheAdminSystemPageWarns()
    {
        await _portal.WaitForAsync(await _portal.CreateDevSiteAsync("dev@example.com", "payments", "denied"), EnvironmentStatus.Ready);
        _portal.Services.GetRequiredService<ISandboxFaults>().DenyCostAllocationTagUpdates = true;

        var checks = await _portal.Services.GetRequiredService<CostAllocationTags>().CheckAllAsync(CancellationToken.None);

        checks.ShouldAllBe(c => c.Status == "Inactive" && !c.ActivatedByPortal);
        checks.ShouldAllBe(c => c.Error != null && c.Error.StartsWith("AccessDeniedException: User: arn:aws:iam::123456789012:user/portal is not authorized"));

        using var browser = _portal.CreateClient();
        await PortalWebFactory.PostLoginAsync(browser, "admin@example.com", "portal-demo");
        var page = await browser.GetStringAsync("/admin/system");
        page.ShouldContain("data-testid=\"system-tag-warning\"");
        page.ShouldContain("Cost Explorer cannot attribute spend to environments until it is activated");
        page.ShouldContain("AccessDeniedException");
    }
}
