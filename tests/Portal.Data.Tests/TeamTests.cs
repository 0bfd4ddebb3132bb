using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data.Entities;
using Portal.TestSupport;

namespace Portal.Data.Tests;

public sealed class TeamTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("Payments")]
    [InlineData("1payments")]
    [InlineData("p")]
    [InlineData("pay ments")]
    [InlineData("payments-team-with-a-name-longer-than-31")]
    public void Create_WithInvalidSlug_ReportsTheSlugField(string slug)
    {
        var error = Should.Throw<DomainValidationException>(() => Team.Create(slug, "Payments", "CC-1", 100, Now));

        error.Errors.Keys.ShouldBe([nameof(Team.Slug)]);
    }

    [Fact]
    public void Create_WithNegativeBudget_ReportsTheBudgetField()
    {
        var error = Should.Throw<DomainValidationException>(() => Team.Create("payments", "Payments", "CC-1", -1, Now));

        error.Errors.Keys.ShouldBe([nameof(Team.MonthlyBudgetUsd)]);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task SaveTeam_WithDuplicateSlug_IsRejectedByTheDatabase(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var db = database.CreateContext())
        {
            db.Teams.Add(Team.Create("payments", "Payments", "CC-1", 2500.50m, Now));
            await db.SaveChangesAsync();
        }

        await using var second = database.CreateContext();
        second.Teams.Add(Team.Create("payments", "Payments again", "CC-2", 10, Now));

        await Should.ThrowAsync<DbUpdateException>(() => second.SaveChangesAsync());
        await using var read = database.CreateContext();
        var team = await read.Teams.SingleAsync();
        team.MonthlyBudgetUsd.ShouldBe(2500.50m);
        team.CreatedAt.ShouldBe(Now);
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Teams_OrderedByCreation_AndFilteredByBudget_TranslateToSql(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var db = database.CreateContext())
        {
            db.Teams.Add(Team.Create("search", "Search", "CC-2", 900m, Now.AddDays(1)));
            db.Teams.Add(Team.Create("payments", "Payments", "CC-1", 2500m, Now));
            await db.SaveChangesAsync();
        }

        await using var query = database.CreateContext();
        var slugs = await query.Teams.Where(t => t.MonthlyBudgetUsd > 100m && t.CreatedAt >= Now).OrderBy(t => t.CreatedAt).Select(t => t.Slug).ToListAsync();
        var total = await query.Teams.SumAsync(t => t.MonthlyBudgetUsd);

        slugs.ShouldBe(["payments", "search"]);
        total.ShouldBe(3400m);
    }
}
