using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Requests;

/// <summary>
/// The account quota holds under parallel submits: with one VPC left in the account and region, 8 network creates from two
/// teams at once (so the per-team lock does not serialize them) admit exactly one; the rest are refused with the numbers.
/// The check and the insert run under the account and region's lock: <c>pg_advisory_xact_lock</c> on PostgreSQL (across
/// nodes), the single writer on SQLite.
/// </summary>
public abstract class QuotaRaceTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const int Parallel = 8;
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true, settings: new Dictionary<string, string?>
    {
        ["Quotas:VpcsPerRegion"] = "2",
        ["Policies:Quotas:dev"] = "100",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task ParallelCreates_AtTheLastFreeVpc_AdmitExactlyOne_AndRefuseTheRestWithTheNumbers()
    {
        using var first = await _portal.CreateTokenClientAsync("dev@example.com");
        (await first.PostAsJsonAsync("/api/v1/requests", QuotaAdmissionApiTests.Create("held"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var clients = new List<HttpClient>();
        for (var i = 0; i < Parallel; i++)
        {
            clients.Add(await _portal.CreateTokenClientAsync(i % 2 == 0 ? "dev@example.com" : "dev2@example.com"));
        }

        try
        {
            var responses = await Task.WhenAll(clients.Select((client, i) => Task.Run(() =>
                client.PostAsJsonAsync("/api/v1/requests", QuotaAdmissionApiTests.Create($"race-{i}", team: i % 2 == 0 ? "payments" : "search")))));

            var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
            var described = string.Join("\n", responses.Select((r, i) => $"{(int)r.StatusCode}: {bodies[i]}"));
            responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1, described);
            foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
            {
                (await QuotaAdmissionApiTests.QuotaErrorAsync(refused))
                    .ShouldBe("us-east-1 has 2 of 2 VPCs in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");
            }

            await using var db = await _portal.DbAsync();
            (await db.EnvironmentRequests.CountAsync(r => r.Kind == RequestKind.Create && r.TemplateSlug == "network-vpc")).ShouldBe(2);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }
}

public sealed class QuotaRacePostgresTests() : QuotaRaceTests(DatabaseProvider.Postgres);

public sealed class QuotaRaceSqliteTests() : QuotaRaceTests(DatabaseProvider.Sqlite);
