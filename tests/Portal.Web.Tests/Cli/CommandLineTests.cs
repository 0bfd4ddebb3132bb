using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Cli;

public sealed class CommandLineTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task UsersCreate_WithRoleAndTeam_CreatesAnAuditedMember()
    {
        var (code, stdout, stderr) = await _portal.RunCommandAsync("users", "create", "--email", "new@example.com", "--role", "developer", "--team", "search");

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("Created new@example.com (Developer, team search)");
        stdout.ShouldContain("Password: ");
        await using var db = _portal.Database.CreateContext();
        var user = await db.Users.Include(u => u.Memberships).ThenInclude(m => m.Team).SingleAsync(u => u.Email == "new@example.com");
        user.Memberships.Select(m => m.Team!.Slug).ShouldBe(["search"]);
        (await db.AuditEvents.CountAsync(e => e.Action == "user.created" && e.TargetId == "new@example.com")).ShouldBe(1);
    }

    [Fact]
    public async Task TokensCreate_PrintsTheTokenAloneOnTheLastLine()
    {
        var (code, stdout, _) = await _portal.RunCommandAsync("tokens", "create", "--user", "admin@example.com", "--name", "ci", "--scopes", "read,approve", "--expires-days", "30");

        code.ShouldBe(0);
        var last = stdout.TrimEnd().Split('\n')[^1];
        last.ShouldMatch("^portal_pat_[A-Za-z0-9_-]{43}$");
    }

    [Theory]
    [InlineData("users", "create", "--role", "Developer")]
    [InlineData("users", "create", "--email", "x@example.com", "--role", "Wizard")]
    [InlineData("users", "create", "--email", "x@example.com", "--role", "Developer", "--team", "no-such-team")]
    [InlineData("tokens", "create", "--user", "dev@example.com")]
    [InlineData("tokens", "create", "--user", "dev@example.com", "--name", "t", "--scopes", "root")]
    [InlineData("tokens", "create", "--user", "dev@example.com", "--name", "t", "--expires-days", "-3")]
    [InlineData("tokens", "create", "--user", "nobody@example.com", "--name", "t")]
    [InlineData("users", "delete")]
    [InlineData("users", "create", "--email")]
    public async Task WrongArguments_PrintUsageAndExitNonZero(params string[] args)
    {
        var (code, stdout, stderr) = await _portal.RunCommandAsync(args);

        code.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.ShouldStartWith("error: ");
        stderr.ShouldContain("Usage: Portal.Web");
    }
}
