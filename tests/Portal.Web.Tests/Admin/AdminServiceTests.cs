using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Web.Features.Admin;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Admin;

/// <summary>Teams, members and the audit log through the services the admin pages use, on PostgreSQL.</summary>
public sealed class AdminServiceTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;
    private ClaimsPrincipal _admin = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);
        await using var db = _portal.Database.CreateContext();
        var admin = await db.Users.SingleAsync(u => u.Email == "admin@example.com");
        _admin = Principal(admin.Id, "admin@example.com", PortalRoles.Admin);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    private TeamService Teams => _portal.Services.GetRequiredService<TeamService>();

    private MemberService Members => _portal.Services.GetRequiredService<MemberService>();

    private AuditQuery Audit => _portal.Services.GetRequiredService<AuditQuery>();

    [Fact]
    public async Task CreateTeam_WithValidFields_SavesItAndAuditsTheAdmin()
    {
        var result = await Teams.CreateAsync(_admin, new TeamForm { Slug = "data-platform", Name = "Data platform", CostCenter = "CC-7", MonthlyBudgetUsd = 1234.5m }, default);

        result.Succeeded.ShouldBeTrue();
        var team = (await Teams.ListAsync(default)).Single(t => t.Slug == "data-platform");
        team.MonthlyBudgetUsd.ShouldBe(1234.5m);
        var audit = await Audit.QueryAsync(new AuditFilter(Action: "team.created", Target: "data-platform"), 0, 10, default);
        audit.Total.ShouldBe(1);
        audit.Items[0].Actor.ShouldBe("admin@example.com");
        JsonDocument.Parse(audit.Items[0].Detail).RootElement.GetProperty("monthlyBudgetUsd").GetDecimal().ShouldBe(1234.5m);
    }

    [Theory]
    [InlineData("Payments!", "Name", 10, "Slug")]
    [InlineData("payments", "Name", 10, "Slug")]
    [InlineData("good-slug", "", 10, "Name")]
    [InlineData("good-slug", "Name", -1, "MonthlyBudgetUsd")]
    public async Task CreateTeam_WithBadField_ReturnsThatFieldsMessageAndSavesNothing(string slug, string name, decimal budget, string field)
    {
        var before = (await Teams.ListAsync(default)).Count;

        var result = await Teams.CreateAsync(_admin, new TeamForm { Slug = slug, Name = name, MonthlyBudgetUsd = budget }, default);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Keys.ShouldBe([field]);
        (await Teams.ListAsync(default)).Count.ShouldBe(before);
    }

    [Fact]
    public async Task CreateTeam_ByNonAdmin_IsRefused()
    {
        var developer = Principal(Guid.NewGuid(), "dev@example.com", PortalRoles.Developer);

        await Should.ThrowAsync<UnauthorizedAccessException>(() => Teams.CreateAsync(developer, new TeamForm { Slug = "x-team", Name = "X" }, default));
    }

    [Fact]
    public async Task UpdateTeam_ChangesBudgetAndAuditsBeforeAndAfter()
    {
        (await Teams.UpdateAsync(_admin, "search", new TeamForm { Name = "Search", CostCenter = "CC-2002", MonthlyBudgetUsd = 4500m }, default)).Succeeded.ShouldBeTrue();

        (await Teams.ListAsync(default)).Single(t => t.Slug == "search").MonthlyBudgetUsd.ShouldBe(4500m);
        var audit = await Audit.QueryAsync(new AuditFilter(Action: "team.updated"), 0, 10, default);
        var detail = JsonDocument.Parse(audit.Items.Single().Detail).RootElement;
        detail.GetProperty("before").GetProperty("monthlyBudgetUsd").GetDecimal().ShouldBe(3000m);
        detail.GetProperty("after").GetProperty("monthlyBudgetUsd").GetDecimal().ShouldBe(4500m);
    }

    [Fact]
    public async Task SaveAccess_SetsExactlyTheGivenRolesAndTeams()
    {
        var dev = (await Members.ListAsync(default)).Single(m => m.Email == "dev@example.com");

        var result = await Members.SaveAccessAsync(_admin, dev.UserId, [PortalRoles.Developer, PortalRoles.Finance], ["search"], default);

        result.Succeeded.ShouldBeTrue();
        var after = (await Members.ListAsync(default)).Single(m => m.Email == "dev@example.com");
        after.Roles.ShouldBe([PortalRoles.Developer, PortalRoles.Finance]);
        after.Teams.ShouldBe(["search"]);
        (await Audit.QueryAsync(new AuditFilter(Action: "user.access-changed", Target: "dev@example.com"), 0, 5, default)).Total.ShouldBe(1);
    }

    [Fact]
    public async Task SaveAccess_RemovingYourOwnAdminRole_IsRefusedWithAFieldMessage()
    {
        var result = await Members.SaveAccessAsync(_admin, _admin.FindFirstValue(ClaimTypes.NameIdentifier) is { } id ? Guid.Parse(id) : Guid.Empty, [PortalRoles.Developer], [], default);

        result.Errors["Roles"].ShouldContain("own Admin role");
    }

    [Fact]
    public async Task AuditQuery_FiltersByActorActionTargetAndDate_AndPagesNewestFirst()
    {
        for (var i = 0; i < 30; i++)
        {
            (await Teams.CreateAsync(_admin, new TeamForm { Slug = $"team-{i:00}", Name = $"Team {i}" }, default)).Succeeded.ShouldBeTrue();
        }

        var page = await Audit.QueryAsync(new AuditFilter(Actor: "ADMIN@", Action: "team.created"), 0, 10, default);
        page.Total.ShouldBe(30);
        page.Items.Select(e => e.TargetId).ShouldBe(Enumerable.Range(20, 10).Reverse().Select(i => $"team-{i:00}"));

        var second = await Audit.QueryAsync(new AuditFilter(Actor: "admin"), 10, 10, default);
        second.Items[0].TargetId.ShouldBe("team-19");

        (await Audit.QueryAsync(new AuditFilter(Target: "team-07"), 0, 10, default)).Total.ShouldBe(1);
        (await Audit.QueryAsync(new AuditFilter(From: DateTimeOffset.UtcNow.AddDays(1)), 0, 10, default)).Total.ShouldBe(0);
        (await Audit.QueryAsync(new AuditFilter(To: DateTimeOffset.UtcNow.AddDays(-1)), 0, 10, default)).Total.ShouldBe(0);
        (await Audit.ActionsAsync(default)).ShouldContain("team.created");
    }

    private static ClaimsPrincipal Principal(Guid id, string email, string role) =>
        new(new ClaimsIdentity([new(ClaimTypes.NameIdentifier, id.ToString()), new(ClaimTypes.Email, email), new(ClaimTypes.Role, role)], "test"));
}
