using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using static Portal.Data.Tests.Lifecycle.LifecycleFixtures;

namespace Portal.Data.Tests.Lifecycle;

/// <summary>The maximum estimate on requests and environments (migration 0014): guarded, and stored on both providers.</summary>
public sealed class EstimateRangeEntityTests
{
    private static readonly PolicyRuling OneEngineer = PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging");

    [Fact]
    public void ARequestsMaximum_BelowItsExpectedEstimate_IsRefused()
    {
        var error = Should.Throw<DomainValidationException>(() =>
            EnvironmentRequest.Submit(Details() with { EstimateMonthlyMaxUsd = 151.19m }, OneEngineer, Now));

        error.Errors.Keys.ShouldBe([nameof(EnvironmentRequest.EstimateMonthlyMaxUsd)]);
    }

    [Fact]
    public void AnEnvironmentsMaximum_BelowItsExpectedEstimate_IsRefused()
    {
        Should.Throw<DomainValidationException>(() => Environment().SetMonthlyEstimate(100m, Now, 99.99m));
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task TheMaximum_IsStoredOnTheRequestAndTheEnvironment_AndOldRowsReadNull(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environment = Environment();
        environment.SetMonthlyEstimate(151.20m, Now, 468.48m);
        var ranged = EnvironmentRequest.Submit(Details() with { EstimateMonthlyMaxUsd = 468.48m }, OneEngineer, Now);
        var old = EnvironmentRequest.Submit(Details() with { EnvironmentName = "legacy" }, OneEngineer, Now);
        await using (var db = database.CreateContext())
        {
            db.Environments.Add(environment);
            db.EnvironmentRequests.AddRange(ranged, old);
            await db.SaveChangesAsync();
        }

        await using var read = database.CreateContext();
        (await read.EnvironmentRequests.SingleAsync(r => r.Id == ranged.Id)).EstimateMonthlyMaxUsd.ShouldBe(468.48m);
        (await read.EnvironmentRequests.SingleAsync(r => r.Id == old.Id)).EstimateMonthlyMaxUsd.ShouldBeNull();
        (await read.Environments.SingleAsync(e => e.Id == environment.Id)).MonthlyEstimateMaxUsd.ShouldBe(468.48m);
    }
}
