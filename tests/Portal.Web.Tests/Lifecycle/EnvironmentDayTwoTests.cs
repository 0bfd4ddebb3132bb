using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Costs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>One portal on SQLite and Kestrel with a Ready dev ecs-web-service (it has off-hours values and retained buckets).</summary>
public sealed class EnvironmentDayTwoFixture : IAsyncLifetime
{
    public PortalWebFactory Portal { get; private set; } = default!;

    public Guid Service { get; private set; }

    public async Task InitializeAsync()
    {
        var clock = OffHoursTesting.WeekendClock();
        Portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock)));
        var outcome = await Portal.SubmitAsync("dev@example.com", new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "ledger"));
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        Service = outcome.EnvironmentId!.Value;
        await Portal.WaitForAsync(Service, EnvironmentStatus.Ready, 180);
    }

    public async Task<HttpClient> ClientAsync(string email)
    {
        var client = Portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Portal.CreateTokenAsync(email, "read,write"));
        return client;
    }

    public async Task DisposeAsync() => await Portal.DisposeAsync();
}

/// <summary>Starting a stopped environment on demand, what a destroy leaves behind, and a forecast that stops at the expiry.</summary>
public sealed class EnvironmentDayTwoTests(EnvironmentDayTwoFixture fixture) : IClassFixture<EnvironmentDayTwoFixture>
{
    [Fact]
    public async Task Start_StartsAStoppedEnvironment_TurnsTheScheduleOff_AndIsAudited_OnlyForItsTeam()
    {
        var portal = fixture.Portal;
        var dev = await fixture.ClientAsync("dev@example.com");
        (await dev.PutAsJsonAsync($"/api/v1/environments/{fixture.Service}/schedule", new { offHours = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await OffHoursTesting.StopAsync(portal, fixture.Service);

        var other = await fixture.ClientAsync("dev2@example.com");
        (await other.PostAsync($"/api/v1/environments/{fixture.Service}/start", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var finance = await fixture.ClientAsync("finance@example.com");
        (await finance.PostAsync($"/api/v1/environments/{fixture.Service}/start", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var response = await dev.PostAsync($"/api/v1/environments/{fixture.Service}/start", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var detail = (await response.Content.ReadFromJsonAsync<EnvironmentDetail>())!;
        detail.Status.ShouldBeOneOf(EnvironmentStatus.Starting, EnvironmentStatus.Ready);
        detail.OffHoursSchedule.ShouldBeFalse("the next off-hours check would stop it again");
        await using (var db = await portal.DbAsync())
        {
            var audit = await db.AuditEvents.Where(a => a.Action == "environment.starting" && a.TargetId == fixture.Service.ToString()).ToListAsync();
            audit.ShouldHaveSingleItem().Actor.ShouldBe("dev@example.com");
        }

        await portal.WaitForAsync(fixture.Service, EnvironmentStatus.Ready, 180);
        var again = await dev.PostAsync($"/api/v1/environments/{fixture.Service}/start", null);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Retained_BeforeADestroy_ListsTheTemplatesRetainedBucketsWithTheirEstimate()
    {
        var queries = fixture.Portal.Services.GetRequiredService<EnvironmentQueries>();
        var retained = await queries.RetainedAsync(await fixture.Portal.ActorAsync("dev@example.com"), fixture.Service, CancellationToken.None);

        retained.Destroyed.ShouldBeFalse();
        var buckets = retained.Items.Where(i => i.Kind == RetainedKind.Resource).ToList();
        buckets.Select(i => i.LogicalId).ShouldBe(["AssetsBucket", "LogsBucket"]);
        buckets.ShouldAllBe(i => i.Type == "AWS::S3::Bucket" && !i.Skipped);
        buckets.ShouldAllBe(i => i.MonthlyUsd != null);
        retained.MonthlyUsd.ShouldBe(buckets.Sum(i => i.MonthlyUsd!.Value));
        retained.Items.ShouldContain(i => i.LogicalId == "Database" && i.Kind == RetainedKind.FinalSnapshot);
    }

    [Fact]
    public void Forecast_OfAnEnvironmentExpiringMidMonth_CountsNothingAfterTheExpiry()
    {
        var now = new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
        var month = MonthPosition.At(now);
        var expiring = new RunningEnvironment(Guid.NewGuid(), "short", EnvironmentStatus.Ready, 310m, new DateTimeOffset(2026, 12, 12, 0, 0, 0, TimeSpan.Zero));
        var expired = new RunningEnvironment(Guid.NewGuid(), "gone", EnvironmentStatus.Ready, 310m, now.AddDays(-1));
        var lasting = new RunningEnvironment(Guid.NewGuid(), "long", EnvironmentStatus.Ready, 310m, new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero));

        CostForecast.Compute(month, 5m, [expiring]).RemainingEstimatesUsd.ShouldBe(60m); // six days of a $10-a-day environment
        CostForecast.Compute(month, 5m, [expiring]).ForecastUsd.ShouldBe(65m);
        CostForecast.Compute(month, 0m, [expired]).RemainingEstimatesUsd.ShouldBe(0m);
        CostForecast.Compute(month, 0m, [lasting]).RemainingEstimatesUsd.ShouldBe(260m); // the 26 days left in December
    }

    [Fact]
    public async Task Forecast_OnTheEnvironmentPage_StopsAtTheEnvironmentsExpiry()
    {
        var forecasts = fixture.Portal.Services.GetRequiredService<CostForecasts>();
        await using var db = await fixture.Portal.DbAsync();
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == fixture.Service);
        var expires = environment.ExpiresAt.ShouldNotBeNull();
        var now = expires.AddDays(-1);
        if (now.Month != expires.Month)
        {
            now = expires.AddHours(-1);
        }

        var forecast = (await forecasts.ForEnvironmentAsync(fixture.Service, now, CancellationToken.None)).ShouldNotBeNull();
        var month = MonthPosition.At(now);
        var untilExpiry = decimal.Round(environment.MonthlyEstimateUsd * (decimal)(expires - now).TotalDays / month.DaysInMonth, 2, MidpointRounding.AwayFromZero);
        forecast.RemainingEstimatesUsd.ShouldBe(untilExpiry, 0.01m);
    }

    [Fact]
    public async Task Forecast_OfTheTeamAndTheOrganisation_StopsAtTheEnvironmentsExpiry_AsTheEnvironmentPagesDoes()
    {
        var forecasts = fixture.Portal.Services.GetRequiredService<CostForecasts>();
        await using var db = await fixture.Portal.DbAsync();
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == fixture.Service);
        var expires = environment.ExpiresAt.ShouldNotBeNull();
        var now = expires.AddDays(-1);
        if (now.Month != expires.Month)
        {
            now = expires.AddHours(-1);
        }

        var own = (await forecasts.ForEnvironmentAsync(fixture.Service, now, CancellationToken.None)).ShouldNotBeNull().Estimates.Single();
        var team = await forecasts.ForTeamAsync(environment.TeamId, now, CancellationToken.None);
        var organisation = await forecasts.ForOrganisationAsync(now, CancellationToken.None);

        // The budgets page reads these two: the environment's share is what its own page forecasts, up to its expiry only.
        own.RemainingUsd.ShouldBeLessThan(decimal.Round(environment.MonthlyEstimateUsd * MonthPosition.At(now).RemainingFraction, 2), "the expiry is inside the month");
        team.Estimates.Single(e => e.EnvironmentId == fixture.Service).RemainingUsd.ShouldBe(own.RemainingUsd);
        organisation.Estimates.Single(e => e.EnvironmentId == fixture.Service).RemainingUsd.ShouldBe(own.RemainingUsd);
    }

    [Fact]
    public async Task Retained_AfterTheDestroy_ListsWhatCloudFormationSkipped()
    {
        var portal = fixture.Portal;
        var outcome = await portal.SubmitAsync("dev@example.com", new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "leftover"));
        var id = outcome.EnvironmentId!.Value;
        await portal.WaitForAsync(id, EnvironmentStatus.Ready, 180);
        (await portal.SubmitAsync("dev@example.com", new SubmitRequest("destroy", EnvironmentId: id, Justification: "test"))).Status.ShouldBe(RequestStatus.Approved);
        await portal.WaitForAsync(id, EnvironmentStatus.Destroyed, 180);

        var retained = await portal.Services.GetRequiredService<EnvironmentQueries>().RetainedAsync(await portal.ActorAsync("dev@example.com"), id, CancellationToken.None);
        retained.Destroyed.ShouldBeTrue();
        retained.Items.Where(i => i.Skipped).Select(i => i.LogicalId).ShouldBe(["AssetsBucket", "LogsBucket"]);
        retained.Items.Where(i => i.Skipped).ShouldAllBe(i => i.PhysicalId != null);
        retained.MonthlyUsd.ShouldBeGreaterThan(0m);
    }

}

/// <summary>Helpers for environments stopped by the off-hours schedule.</summary>
internal static class OffHoursTesting
{
    /// <summary>
    /// A clock that runs from the next Saturday 10:00 UTC: outside business hours for long enough that the off-hours job stops
    /// an environment with the schedule on and never starts one by itself while a test runs.
    /// </summary>
    public static TestClock WeekendClock()
    {
        var now = DateTimeOffset.UtcNow;
        var saturday = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(((int)DayOfWeek.Saturday - (int)now.DayOfWeek + 7) % 7 + 7).AddHours(10);
        var clock = new TestClock();
        clock.Shift(saturday - now);
        return clock;
    }

    /// <summary>
    /// Brings the environment to Stopped as the off-hours job and the stack watcher do outside business hours, without waiting up
    /// to five minutes for the job (which may get there first: then this waits for it).
    /// </summary>
    public static async Task StopAsync(PortalWebFactory portal, Guid id)
    {
        var clock = portal.Services.GetRequiredService<TimeProvider>();
        var deadline = DateTimeOffset.UtcNow.AddMinutes(3);
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await portal.DbAsync();
            var environment = await db.Environments.SingleAsync(e => e.Id == id);
            if (environment.Status == EnvironmentStatus.Stopped)
            {
                return;
            }

            if (environment.Status == EnvironmentStatus.Ready)
            {
                var now = clock.GetUtcNow();
                environment.BeginStop(now);
                environment.MarkStopped(now);
                try
                {
                    await db.SaveChangesAsync();
                    portal.Services.GetRequiredService<LifecycleSignals>().Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
                    return;
                }
                catch (DbUpdateConcurrencyException)
                {
                    // The off-hours job moved it first; wait for its stop to finish.
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Environment {id} did not stop.");
    }
}
