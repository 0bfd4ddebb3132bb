using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Issue 18: what the portal's read path costs per call, single-threaded, without HTTP — <see cref="EnvironmentQueries"/>'
/// by-id and list against <see cref="BareApi"/>'s hand-written Npgsql SQL for the same rows, interleaved in blocks, on the
/// harness's seeded PostgreSQL (<c>PORTAL_BENCH_ENVIRONMENTS</c>, default 10,000). Each variant runs
/// <c>PORTAL_BENCH_CALLS</c> (default 10,000) calls after a warm-up; prints wall µs, this process's CPU µs and allocated bytes
/// per call. The portal's by-id is also split into its parts (context lease, each statement, the detail, the JSON). Not part
/// of the test command:
/// <code>PORTAL_BENCH_CALLS=10000 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~EnvironmentReadPathBenchmark" --logger "console;verbosity=detailed"</code>
/// Figures also go to <c>TestResults/benchmarks/api-read-path-{N}.txt</c>.
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(CostBenchmarkData.Collection)]
public sealed class EnvironmentReadPathBenchmark(ITestOutputHelper output)
{
    private const int Blocks = 10;

    [Fact]
    public async Task ReadPath_PerCall_AgainstHandWrittenSql()
    {
        var environments = CostBenchmarkData.Environments;
        var calls = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_CALLS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, "Production", kestrel: false, settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
        });
        RecurringJobs.RemoveAll(portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>());
        portal.Services.GetRequiredService<StackWatcherService>().Pause();
        var (id, _) = await ApiLoadHarness.SeedAsync(portal, environments);

        var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
        var contexts = portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        var json = portal.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        Guid payments;
        await using (var db = await portal.DbAsync())
        {
            payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        }

        var developer = new LifecycleActor(Guid.NewGuid(), "bench developer", false, false, new HashSet<Guid> { payments });
        var platform = new LifecycleActor(Guid.NewGuid(), "bench platform", true, true, new HashSet<Guid>());
        await using var bare = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(portal.Database.ConnectionString) { NoResetOnClose = true }.ConnectionString).Build();
        var sink = new MemoryStream();
        var none = CancellationToken.None;

        var variants = new (string Name, Func<Task> Call)[]
        {
            ("by-id: bare (Npgsql, 2 statements, JSON)", async () =>
            {
                await using var connection = await bare.OpenConnectionAsync(none);
                sink.SetLength(0);
                await BareApi.WriteDetailAsync(connection, id, sink, none);
            }),
            ("by-id: portal GetAsync + JSON", async () =>
            {
                var detail = await queries.GetAsync(developer, id, none);
                sink.SetLength(0);
                await JsonSerializer.SerializeAsync(sink, detail, json, none);
            }),
            ("by-id: portal GetAsync", () => queries.GetAsync(developer, id, none)),
            ("  part: context lease + open + close", async () =>
            {
                await using var db = await contexts.CreateDbContextAsync(none);
                await db.Database.OpenConnectionAsync(none);
            }),
            ("  part: lease + the row statement (EF)", async () =>
            {
                await using var db = await contexts.CreateDbContextAsync(none);
                await db.Database.OpenConnectionAsync(none);
                _ = await RowAsync(db, id);
            }),
            ("  part: lease + row + events statements (EF)", async () =>
            {
                await using var db = await contexts.CreateDbContextAsync(none);
                await db.Database.OpenConnectionAsync(none);
                _ = await RowAsync(db, id);
                _ = await db.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == id).ToListAsync(none);
            }),
            ("  part: lease + row + events (HandWrittenSql)", async () =>
            {
                await using var db = await contexts.CreateDbContextAsync(none);
                await db.Database.OpenConnectionAsync(none);
                SqlArgument[] byId = [SqlArgument.Of("id", id)];
                await using (var reader = await HandWrittenSql.ReadAsync(db, EnvironmentQueries.DetailSql, byId, none))
                {
                    while (await reader.DbDataReader.ReadAsync(none))
                    {
                    }
                }

                await using (var reader = await HandWrittenSql.ReadAsync(db, EnvironmentQueries.EventsSql, byId, none))
                {
                    while (await reader.DbDataReader.ReadAsync(none))
                    {
                    }
                }
            }),
            ("  part: lease + row + events (Npgsql on EF's connection)", async () =>
            {
                await using var db = await contexts.CreateDbContextAsync(none);
                await db.Database.OpenConnectionAsync(none);
                await ReadDetailStatementsAsync((NpgsqlConnection)db.Database.GetDbConnection(), id);
            }),
            ("  part: bare source, row + events (same SQL)", async () =>
            {
                await using var connection = await bare.OpenConnectionAsync(none);
                await ReadDetailStatementsAsync(connection, id);
            }),
            ("list all: bare (Npgsql, count + page, JSON)", async () =>
            {
                await using var connection = await bare.OpenConnectionAsync(none);
                sink.SetLength(0);
                await BareApi.WriteListAsync(connection, null, 1, 50, sink, none);
            }),
            ("list all: portal ListAsync + JSON", async () =>
            {
                var page = await queries.ListAsync(platform, new EnvironmentFilter(), 0, 50, none);
                sink.SetLength(0);
                await JsonSerializer.SerializeAsync(sink, page, json, none);
            }),
            ("list one team: bare", async () =>
            {
                await using var connection = await bare.OpenConnectionAsync(none);
                sink.SetLength(0);
                await BareApi.WriteListAsync(connection, "bench-7", 1, 50, sink, none);
            }),
            ("list one team: portal ListAsync + JSON", async () =>
            {
                var page = await queries.ListAsync(platform, new EnvironmentFilter("bench-7"), 0, 50, none);
                sink.SetLength(0);
                await JsonSerializer.SerializeAsync(sink, page, json, none);
            }),
        };

        foreach (var (_, call) in variants)
        {
            for (var i = 0; i < Math.Min(500, calls); i++)
            {
                await call();
            }
        }

        // Interleaved: every variant runs a tenth of its calls per block, so drift in the machine's load hits all alike.
        var totals = variants.Select(_ => new Totals()).ToArray();
        for (var block = 0; block < Blocks; block++)
        {
            for (var v = 0; v < variants.Length; v++)
            {
                await totals[v].MeasureAsync(variants[v].Call, calls / Blocks);
            }
        }

        var lines = new List<string>
        {
            $"{environments:N0} environments; {calls:N0} calls per variant after 500 warm-up, single-threaded, interleaved in {Blocks} blocks; load average {LoadAverage()} at the end",
            $"{"variant",-48} {"wall µs",9} {"CPU µs",9} {"bytes",9}",
        };
        lines.AddRange(variants.Select((v, i) => FormattableString.Invariant($"{v.Name,-48} {totals[i].WallMicros,9:0.0} {totals[i].CpuMicros,9:0.0} {totals[i].Bytes,9:0}")));
        CostBenchmarkData.Report(output, $"api-read-path-{environments}", lines);
    }

    // The same statement as EnvironmentQueries.GetAsync's first one.
    private static Task<object?> RowAsync(PortalDbContext db, Guid id) =>
        db.Environments.AsNoTracking().Where(e => e.Id == id)
            .Select(e => (object?)new
            {
                Environment = e,
                Team = db.Teams.Where(t => t.Id == e.TeamId).Select(t => t.Slug).FirstOrDefault(),
                Owner = db.Users.Where(u => u.Id == e.OwnerId).Select(u => u.Email).FirstOrDefault(),
            })
            .FirstOrDefaultAsync();

    // By-id's two hand-written statements as raw Npgsql commands, every row read and dropped.
    private static async Task ReadDetailStatementsAsync(NpgsqlConnection connection, Guid id)
    {
        foreach (var sql in new[] { EnvironmentQueries.DetailSql, EnvironmentQueries.EventsSql })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("id", id);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private sealed class Totals
    {
        private TimeSpan _wall;
        private TimeSpan _cpu;
        private long _bytes;
        private long _calls;

        public double WallMicros => _wall.TotalMicroseconds / _calls;

        public double CpuMicros => _cpu.TotalMicroseconds / _calls;

        public double Bytes => _bytes / (double)_calls;

        public async Task MeasureAsync(Func<Task> call, int count)
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var bytes = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                await call();
            }

            _wall += clock.Elapsed;
            _bytes += GC.GetTotalAllocatedBytes(precise: true) - bytes;
            self.Refresh();
            _cpu += self.TotalProcessorTime - cpu;
            _calls += count;
        }
    }
}
