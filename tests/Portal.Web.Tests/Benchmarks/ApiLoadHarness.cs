using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Jobs;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Issue 18's API load harness on PostgreSQL: <c>PORTAL_BENCH_ENVIRONMENTS</c> (default 10,000) environments in 50 teams
/// generated in SQL through the real schema (8 stored stack events each, a month of cost facts with their rollups for the
/// first 10,000), then for every endpoint the portal (Kestrel in the test host) and <see cref="BareApi"/> (the same queries,
/// hand-written, on the same database) are loaded by <c>wrk</c> with 64 connections, interleaved: bare, portal, bare, portal
/// (<c>PORTAL_BENCH_ROUNDS</c> rounds of <c>PORTAL_BENCH_SECONDS</c> s each, after <c>PORTAL_BENCH_WARMUP_SECONDS</c>, default 2, of
/// unmeasured load per side). Prints req/s, p95, the ratios to bare, and the
/// SQL statements per warm call (counted per request by <see cref="SqlStatementCounter"/>). Not part of the test command:
/// <code>PORTAL_BENCH_ENVIRONMENTS=10000 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~ApiLoadHarness" --logger "console;verbosity=detailed"</code>
/// Figures also go to <c>TestResults/benchmarks/api-load-{N}.txt</c>. wrk is Debian's package (installed here when missing and root).
/// The portal runs as <c>Production</c> (<c>PORTAL_BENCH_HOST_ENVIRONMENT</c> to change). <c>PORTAL_BENCH_CASES</c> (comma-separated parts of case names, e.g. <c>environments/{id},templates</c>) runs only those
/// cases. <c>PORTAL_BENCH_TRACE</c> (the path of <c>dotnet-trace</c>) also takes a CPU-sampling trace of this process while
/// wrk loads the portal alone for each case (<c>PORTAL_BENCH_TRACE_SECONDS</c>, default 20), written as
/// <c>TestResults/benchmarks/api-trace-{case}.nettrace</c> (the bare app is idle meanwhile; it shares the process).
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(CostBenchmarkData.Collection)]
public sealed class ApiLoadHarness(ITestOutputHelper output)
{
    private const int Connections = 64;

    [Fact]
    public async Task ApiEndpoints_AgainstTheBareEndpoint()
    {
        var wrk = Wrk.Find();
        var environments = CostBenchmarkData.Environments;
        var seconds = Setting("PORTAL_BENCH_SECONDS", 5);
        var rounds = Setting("PORTAL_BENCH_ROUNDS", 2);
        // Each side's unmeasured warm-up before its rounds (the JIT tiers hot methods up under the load; 2 s as before).
        var warmup = Setting("PORTAL_BENCH_WARMUP_SECONDS", 2);
        var counter = new SqlStatementCounter();
        // Hosted as deployed (Production: no developer exception page, no static-asset file checks per request, no DI scope
        // validation); PORTAL_BENCH_HOST_ENVIRONMENT=Development measures as the harness did before.
        var hostEnvironment = Environment.GetEnvironmentVariable("PORTAL_BENCH_HOST_ENVIRONMENT") is { Length: > 0 } named ? named : "Production";
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, hostEnvironment, kestrel: true, services: counter.AddTo, settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
            ["RateLimits:TokenPermitsPerMinute"] = "1000000",
        });
        RecurringJobs.RemoveAll(portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>());
        portal.Services.GetRequiredService<StackWatcherService>().Pause();

        var lines = new List<string>();
        var clock = Stopwatch.StartNew();
        var (someEnvironment, facts) = await SeedAsync(portal, environments);
        lines.Add($"{environments:N0} environments in {CostBenchmarkData.Teams} teams, {facts:N0} cost facts, generated in {clock.Elapsed.TotalSeconds:0} s; portal hosted as {hostEnvironment}; " +
            $"wrk -t2 -c{Connections}, {warmup} s warm-up then {rounds} × {seconds} s per side, interleaved bare/portal; {Environment.ProcessorCount} cores; load average {LoadAverage()} at the start");

        var platform = await portal.CreateTokenAsync("platform@example.com");
        var developer = await portal.CreateTokenAsync("dev@example.com");
        var finance = await portal.CreateTokenAsync("finance@example.com");
        using var http = new HttpClient { BaseAddress = portal.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", platform);
        var templates = await http.GetByteArrayAsync("/api/v1/templates");
        await using var bare = await BareApi.StartAsync(portal.Database.ConnectionString, templates);

        var cases = new (string Name, string Portal, string Bare, string Token)[]
        {
            ("environments?page=1&pageSize=50 (all)", "/api/v1/environments?page=1&pageSize=50", "/environments?page=1&pageSize=50", platform),
            ("same, team=bench-7 (one team)", "/api/v1/environments?page=1&pageSize=50&team=bench-7", "/environments?page=1&pageSize=50&team=bench-7", platform),
            ("same, a developer (own team)", "/api/v1/environments?page=1&pageSize=50", "/environments?page=1&pageSize=50&team=payments", developer),
            ("environments/{id}", $"/api/v1/environments/{someEnvironment}", $"/environments/{someEnvironment}", developer),
            ("me", "/api/v1/me", "/me", developer),
            ("costs/summary?groupBy=team", "/api/v1/costs/summary?groupBy=team", "/costs/summary?groupBy=team", finance),
            ("templates", "/api/v1/templates", "/templates", developer),
        };
        lines.Add($"{"endpoint",-40} {"portal req/s",12} {"p95 ms",8} {"bare req/s",11} {"p95 ms",8} {"× bare req/s",12} {"× bare p95",10} {"SQL/call",8} {"conn/call",9}");
        var only = Environment.GetEnvironmentVariable("PORTAL_BENCH_CASES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        foreach (var (name, path, barePath, token) in cases.Where(c => only.Length == 0 || only.Any(o => c.Name.Contains(o, StringComparison.Ordinal))))
        {
            var statements = await CountStatementsAsync(portal, counter, path, token);
            var portalRuns = new List<WrkResult>();
            var bareRuns = new List<WrkResult>();
            await wrk.RunAsync(new Uri(bare.BaseAddress, barePath), token, warmup);
            await wrk.RunAsync(new Uri(portal.BaseAddress, path), token, warmup);
            var bareGc = new GcShare();
            var portalGc = new GcShare();
            for (var round = 0; round < rounds; round++)
            {
                bareRuns.Add(await bareGc.DuringAsync(() => wrk.RunAsync(new Uri(bare.BaseAddress, barePath), token, seconds)));
                portalRuns.Add(await portalGc.DuringAsync(() => wrk.RunAsync(new Uri(portal.BaseAddress, path), token, seconds)));
            }

            if (Environment.GetEnvironmentVariable("PORTAL_BENCH_TRACE") is { Length: > 0 } traceTool)
            {
                await TraceAsync(traceTool, name, () => wrk.RunAsync(new Uri(portal.BaseAddress, path), token, Setting("PORTAL_BENCH_TRACE_SECONDS", 20) + 4));
            }

            var p = WrkResult.Combine(portalRuns);
            var b = WrkResult.Combine(bareRuns);
            var errors = p.Errors + b.Errors > 0 ? $"  errors: portal {p.Errors}, bare {b.Errors}" : "";
            lines.Add(FormattableString.Invariant(
                $"{name,-40} {p.RequestsPerSecond,12:N0} {p.P95Ms,8:0.0} {b.RequestsPerSecond,11:N0} {b.P95Ms,8:0.0} {p.RequestsPerSecond / b.RequestsPerSecond,12:0.00} {p.P95Ms / b.P95Ms,10:0.00} {statements.Statements,8:0.0} {statements.Connections,9:0.0}{errors}"));
            output.WriteLine(lines[^1]);
            if (p.Errors > 0)
            {
                lines.Add($"{"",-40} the portal's errors, as 64 clients × 20 calls see them: {await ErrorsAsync(portal.BaseAddress, path, token)}");
                output.WriteLine(lines[^1]);
            }

            lines.Add(FormattableString.Invariant($"{"",-40} p50/p95/p99 ms: portal {p.P50Ms:0.0}/{p.P95Ms:0.0}/{p.P99Ms:0.0}, bare {b.P50Ms:0.0}/{b.P95Ms:0.0}/{b.P99Ms:0.0}; rounds portal [{WrkResult.Rounds(portalRuns)}] bare [{WrkResult.Rounds(bareRuns)}]; while loaded: portal {portalGc}; bare {bareGc}"));
            output.WriteLine(lines[^1]);
        }

        lines.Add($"load average {LoadAverage()} at the end");
        CostBenchmarkData.Report(output, $"api-load-{environments}", lines);
    }

    /// <summary>What wrk counted as errors: the status codes (and the first failure's body) of a burst like its load.</summary>
    private static async Task<string> ErrorsAsync(Uri baseAddress, string path, string token)
    {
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var outcomes = new System.Collections.Concurrent.ConcurrentBag<string>();
        string? first = null;
        await Parallel.ForEachAsync(Enumerable.Range(0, 64), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, ct) =>
        {
            for (var i = 0; i < 20; i++)
            {
                try
                {
                    using var response = await client.GetAsync(path, ct);
                    outcomes.Add(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
                    if (!response.IsSuccessStatusCode)
                    {
                        var body = await response.Content.ReadAsStringAsync(ct);
                        Interlocked.CompareExchange(ref first, $"{(int)response.StatusCode} {response.Headers.RetryAfter} {body[..Math.Min(300, body.Length)]}", null);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    outcomes.Add(e.GetType().Name);
                    Interlocked.CompareExchange(ref first, e.Message, null);
                }
            }
        });
        return string.Join(", ", outcomes.GroupBy(o => o).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}")) + (first is null ? "" : $"; first failure: {first}");
    }

    /// <summary>A CPU-sampling trace of this process (the portal under <paramref name="load"/>), started once the load is on.</summary>
    private async Task TraceAsync(string tool, string name, Func<Task<WrkResult>> load)
    {
        var directory = Path.Combine(Portal.TestSupport.RepositoryPaths.TryRoot ?? AppContext.BaseDirectory, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"api-trace-{new string([.. name.Select(c => char.IsLetterOrDigit(c) ? c : '-')])}.nettrace");
        var loading = load();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "collect", "-p", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time",
            "--duration", TimeSpan.FromSeconds(Setting("PORTAL_BENCH_TRACE_SECONDS", 20)).ToString("c", CultureInfo.InvariantCulture), "-o", file })
        {
            start.ArgumentList.Add(argument);
        }

        using var trace = Process.Start(start)!;
        var stdout = trace.StandardOutput.ReadToEndAsync();
        var stderr = trace.StandardError.ReadToEndAsync();
        await trace.WaitForExitAsync();
        var loaded = await loading;
        output.WriteLine($"trace of {name}: {file} (exit {trace.ExitCode}; portal {loaded.RequestsPerSecond:N0} req/s while traced) {await stderr}");
        _ = await stdout;
    }

    /// <summary>Statements and connections per warm call: 20 sequential calls, each marked for the counter.</summary>
    private static async Task<(double Statements, double Connections)> CountStatementsAsync(PortalWebFactory portal, SqlStatementCounter counter, string path, string token)
    {
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await client.GetAsync(path)).EnsureSuccessStatusCode();
        const int calls = 20;
        var mark = Guid.NewGuid().ToString("N");
        client.DefaultRequestHeaders.Add(SqlStatementCounter.Header, mark);
        for (var i = 0; i < calls; i++)
        {
            (await client.GetAsync(path)).EnsureSuccessStatusCode();
        }

        return (counter.CommandsOf(mark).Count / (double)calls, counter.ConnectionsOf(mark) / (double)calls);
    }

    /// <summary>The environments (and what the endpoints read besides), generated in SQL; returns one payments environment and the fact count.</summary>
    internal static async Task<(Guid Environment, long Facts)> SeedAsync(PortalWebFactory portal, int environments)
    {
        await using var db = await portal.DbAsync();
        var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        var withFacts = Math.Min(environments, 10_000);
        await CostBenchmarkData.ExecAsync(db, $$"""
            INSERT INTO "Teams" ("Id", "Slug", "Name", "CostCenter", "MonthlyBudgetUsd", "CreatedAt", "UpdatedAt")
            SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'CC-' || i, 50000, now(), now() FROM generate_series(1, {{CostBenchmarkData.Teams - 1}}) i;

            -- Rows as wide as real ones: parameters and outputs of a web service (the list must not read them).
            INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                "Version", "MonthlyEstimateUsd", "ExpiresAt")
            SELECT gen_random_uuid(), 'bench-' || i, t."Id", '{{owner}}', (ARRAY['network-vpc', 'static-site', 'ecs-web-service'])[1 + i % 3], '1.0.0',
                (ARRAY['dev', 'staging', 'prod'])[1 + i % 3], '{{CostBenchmarkData.Account}}', 'us-east-1', 'bench-' || i,
                CASE i % 10 WHEN 1 THEN 'Destroyed' WHEN 2 THEN 'Stopped' ELSE 'Ready' END,
                ('{"ServiceUrl":"https://bench-' || i || '.example.com","ClusterArn":"arn:aws:ecs:us-east-1:123456789012:cluster/bench-' || i || '","LoadBalancerDns":"bench-' || i || '-1234567890.us-east-1.elb.amazonaws.com","LogGroup":"/ecs/bench-' || i || '"}')::jsonb,
                ('{"EnvironmentName":"bench-' || i || '","Tier":"dev","ContainerImage":"123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:' || i || '","DesiredCount":"2","Cpu":"512","Memory":"1024","VpcId":"vpc-0123456789abcdef0","SubnetIds":"subnet-0123456789abcdef0,subnet-0fedcba9876543210","HealthCheckPath":"/healthz","DatabasePassword":"secret-value-' || i || '"}')::jsonb,
                false, 0, now() - i * interval '1 minute', now(), 1, 30 + i % 500, CASE WHEN i % 4 = 0 THEN now() + interval '7 days' END
            FROM generate_series(1, {{environments}}) i
            JOIN (SELECT "Id", row_number() OVER (ORDER BY "Slug") - 1 AS k FROM "Teams" WHERE "Slug" LIKE 'bench-%' OR "Id" = '{{payments}}') t ON t.k = i % {{CostBenchmarkData.Teams}};

            INSERT INTO "StackEvents" ("Id", "EnvironmentId", "EventId", "Timestamp", "LogicalResourceId", "PhysicalResourceId", "ResourceType", "ResourceStatus", "ResourceStatusReason")
            SELECT gen_random_uuid(), e."Id", e."Name" || '-' || k, e."CreatedAt" + k * interval '10 seconds', 'Resource' || (k % 4),
                'phys-' || e."Name" || '-' || (k % 4), 'AWS::EC2::Subnet', CASE WHEN k < 4 THEN 'CREATE_IN_PROGRESS' ELSE 'CREATE_COMPLETE' END, NULL
            FROM "Environments" e CROSS JOIN generate_series(0, 7) k WHERE e."Name" LIKE 'bench-%';

            INSERT INTO "CostFacts" ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
            SELECT gen_random_uuid(), d::date, '{{CostBenchmarkData.Account}}', e."Id"::text, e."Id", e."TeamId", e."Tier", s.name,
                round((e."MonthlyEstimateUsd" * s.share * 12 / 365)::numeric, 6), round((e."MonthlyEstimateUsd" * s.share * 12 / 365)::numeric, 6), false, now()
            FROM (SELECT * FROM "Environments" WHERE "Name" LIKE 'bench-%' ORDER BY "CreatedAt" DESC LIMIT {{withFacts}}) e
            CROSS JOIN generate_series(current_date - 35, current_date - 1, interval '1 day') d
            CROSS JOIN (VALUES ('Amazon Virtual Private Cloud', 0.6), ('Amazon Simple Storage Service', 0.3), ('AmazonCloudWatch', 0.1)) s(name, share);
            """);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await CostRollups.RebuildAsync(db, CostBenchmarkData.Account, today.AddDays(-36), today.AddDays(1), CancellationToken.None);
        foreach (var table in new[] { "Environments", "StackEvents", "CostFacts", "CostDailyRollups", "CostMonthlyRollups", "Teams" })
        {
            await CostBenchmarkData.ExecAsync(db, $"""VACUUM ANALYZE "{table}";""");
        }

        var environment = await db.Environments.Where(e => e.TeamId == payments && e.Name.StartsWith("bench-")).OrderBy(e => e.Name).Select(e => e.Id).FirstAsync();
        return (environment, await db.CostFacts.LongCountAsync());
    }

    /// <summary>The 1, 5 and 15 minute load averages (figures under load are upper bounds of the portal's cost).</summary>
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static int Setting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}

/// <summary>
/// What this process (portal and bare app share it) spent while one side was loaded: CPU per request, garbage collections
/// and GC pause time. Separates the app's own cost from the database's (which runs in other processes).
/// </summary>
internal sealed class GcShare
{
    private readonly int[] _collections = new int[3];
    private TimeSpan _paused;
    private TimeSpan _cpu;
    private long _requests;

    public async Task<WrkResult> DuringAsync(Func<Task<WrkResult>> load)
    {
        var before = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        var paused = GC.GetTotalPauseDuration();
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var result = await load();
        self.Refresh();
        _cpu += self.TotalProcessorTime - cpu;
        _requests += result.Requests;
        for (var generation = 0; generation < 3; generation++)
        {
            _collections[generation] += GC.CollectionCount(generation) - before[generation];
        }

        _paused += GC.GetTotalPauseDuration() - paused;
        return result;
    }

    public override string ToString() =>
        FormattableString.Invariant($"{_cpu.TotalMilliseconds / Math.Max(1, _requests):0.000} ms CPU/request in this process, gen0/1/2 {_collections[0]}/{_collections[1]}/{_collections[2]}, GC paused {_paused.TotalMilliseconds:0} ms");
}

internal sealed record WrkResult(long Requests, double Seconds, double P95Ms, long Errors, double P50Ms = 0, double P99Ms = 0)
{
    public double RequestsPerSecond => Requests / Seconds;

    /// <summary>Rounds added up: total requests over total time; each percentile the mean of the rounds' percentiles.</summary>
    public static WrkResult Combine(IReadOnlyList<WrkResult> runs) =>
        new(runs.Sum(r => r.Requests), runs.Sum(r => r.Seconds), runs.Average(r => r.P95Ms), runs.Sum(r => r.Errors), runs.Average(r => r.P50Ms), runs.Average(r => r.P99Ms));

    /// <summary>Each round's p50/p95/p99 in ms, so a tail held by one round shows.</summary>
    public static string Rounds(IReadOnlyList<WrkResult> runs) =>
        string.Join(" | ", runs.Select(r => FormattableString.Invariant($"{r.RequestsPerSecond:0} req/s {r.P50Ms:0.0}/{r.P95Ms:0.0}/{r.P99Ms:0.0}")));
}

/// <summary>Debian's wrk with a Lua <c>done</c> hook that prints requests, duration, p95 and errors (non-2xx included).</summary>
internal sealed class Wrk(string path, string script)
{
    public static Wrk Find()
    {
        var path = new[] { "/usr/bin/wrk", "/usr/local/bin/wrk" }.FirstOrDefault(File.Exists);
        if (path is null && Environment.UserName == "root")
        {
            using var install = Process.Start(new ProcessStartInfo("bash", "-c \"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk\"") { RedirectStandardOutput = true })!;
            install.WaitForExit();
            path = File.Exists("/usr/bin/wrk") ? "/usr/bin/wrk" : null;
        }

        Assert.True(path is not null, "wrk is not installed: apt-get install wrk");
        var script = Path.Combine(Path.GetTempPath(), "portal-wrk-report-percentiles.lua");
        File.WriteAllText(script, """
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration, latency:percentile(95), e.connect + e.read + e.write + e.timeout + e.status, latency:percentile(50), latency:percentile(99)))
            end
            """);
        return new Wrk(path!, script);
    }

    public async Task<WrkResult> RunAsync(Uri url, string token, int seconds)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-t2", $"-c{64}", $"-d{seconds}s", "--timeout", "10s", "-s", script, "-H", $"Authorization: Bearer {token}", url.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var line = stdout.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal)).Split(' ');
        var n = line.Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return new WrkResult(n[0], n[1] / 1e6, n[2] / 1e3, n[3], n[4] / 1e3, n[5] / 1e3);
    }
}
