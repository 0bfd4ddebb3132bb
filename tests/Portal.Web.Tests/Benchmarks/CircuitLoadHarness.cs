using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Features.Circuits;
using Portal.Web.Tests.Browser;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Issue 18's circuit target, measured: the portal as its own process (<see cref="PortalProcess"/>, so its heap and RSS are the
/// server's alone) on PostgreSQL with <c>PORTAL_BENCH_ENVIRONMENTS</c> (default 10,000) environments in 50 teams, generated in
/// SQL through the real schema. <see cref="CircuitClient"/>s open real circuits on <c>/environments</c> — a tenth as a developer
/// (payments: the changed row is on their first page), the rest as a platform engineer (every team: the row is not on their
/// page, so they stay idle though subscribed) — in steps up to each of <c>PORTAL_BENCH_CIRCUITS</c> (default 100,1000,5000), and
/// the server's own counter (<c>GET /api/v1/admin/circuits</c>, <see cref="CircuitCounter"/>) must say so. At each step: the
/// managed heap after a forced full compacting GC and the RSS against the baseline before any circuit (per circuit), and the
/// update latency of <c>PORTAL_BENCH_CHANGES</c> (default 20) changes, one at a time, of an environment through the API (the real
/// command: read, write, commit, signal), from the request to the render batch arriving at each live client (p50/p95).
/// <code>PORTAL_BENCH_CIRCUITS=100,1000,5000 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~CircuitLoadHarness" --logger "console;verbosity=detailed"</code>
/// Figures go to <c>TestResults/benchmarks/circuits-N.txt</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CircuitLoadHarness(ITestOutputHelper output)
{
    private const string EnvironmentsPath = "/environments";

    /// <summary>Circuits opened at a time (<c>PORTAL_BENCH_CIRCUIT_CONCURRENCY</c>, default 16).</summary>
    private static readonly int Concurrency = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_CIRCUIT_CONCURRENCY"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 16;

    [Fact]
    public async Task CircuitsOnTheEnvironmentsPage_MemoryAndUpdateLatency()
    {
        var levels = (Environment.GetEnvironmentVariable("PORTAL_BENCH_CIRCUITS") ?? "100,1000,5000")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToList();
        var changes = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_CHANGES"), CultureInfo.InvariantCulture, out var c) && c > 0 ? c : 20;
        var environments = CostBenchmarkData.Environments;

        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var dataDirectory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "portal-tests", database.Name + "-data");
        await using var portal = await PortalProcess.StartAsync("circuit-load", database, dataDirectory, new Dictionary<string, string>
        {
            [CircuitRegistration.AllowForcedCollectionKey] = "true",
            ["RateLimits:TokenPermitsPerMinute"] = "1000000",
            ["Logging:LogLevel:Portal"] = "Warning",
            ["StackWatcher:Interval"] = "00:00:03",
            ["StackWatcher:EventRefreshInterval"] = "00:00:05",
        });
        var clock = Stopwatch.StartNew();
        var changed = await SeedAsync(database, environments);
        var seeded = clock.Elapsed;

        var (platform, platformCookies) = await SignInAsync(portal.BaseAddress, "platform@example.com");
        var (developer, developerCookies) = await SignInAsync(portal.BaseAddress, "dev@example.com");
        using var platformClient = platform;
        using var developerClient = developer;

        // Warm-up (JIT, caches, pools): a few circuits opened and closed before the baseline.
        var warm = await OpenAsync(platform, platformCookies, EnvironmentsPath, 8);
        await Task.WhenAll(warm.Select(w => w.DisposeAsync().AsTask()));
        Assert.Equal(0, (await WaitForAsync(platform, d => d.Open == 0, TimeSpan.FromSeconds(60))).Open);

        // PORTAL_BENCH_CIRCUIT_PAGE: the addresses to measure, one after the other in this run (e.g. "/not-found,/environments":
        // the floor the layout sets, then the page); each starts from no circuit and its own baseline.
        var pages = (Environment.GetEnvironmentVariable("PORTAL_BENCH_CIRCUIT_PAGE") ?? EnvironmentsPath)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var page in pages)
        {
            await MeasurePageAsync(page, levels, changes, environments, seeded, changed, portal, platform, platformCookies, developer, developerCookies);
        }
    }

    private async Task MeasurePageAsync(string path, IReadOnlyList<int> levels, int changes, int environments, TimeSpan seeded, Guid changed, PortalProcess portal,
        HttpClient platform, CookieContainer platformCookies, HttpClient developer, CookieContainer developerCookies)
    {
        var baseline = await DiagnosticsAsync(platform, collect: true);
        var idle = new List<CircuitClient>();
        var live = new List<CircuitClient>();
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var n in levels)
            {
                var liveTarget = Math.Max(1, n / 10);
                clock.Restart();
                live.AddRange(await OpenAsync(developer, developerCookies, path, liveTarget - live.Count));
                idle.AddRange(await OpenAsync(platform, platformCookies, path, n - liveTarget - idle.Count));
                var opened = clock.Elapsed;
                var total = live.Count + idle.Count;
                var counted = await WaitForAsync(platform, d => d.Open >= total && d.Connected >= total, TimeSpan.FromMinutes(2));
                Assert.Equal(total, (int)counted.Open);
                await QuietAsync([.. live, .. idle]);
                var after = await DiagnosticsAsync(platform, collect: true);
                var dump = await GcDumpAsync(portal, path, n);
                var latencies = path == EnvironmentsPath
                    ? await MeasureUpdatesAsync(developer, live, changed, changes)
                    : "update latency: not measured (the page shows no environment)";
                Report(path == EnvironmentsPath ? n.ToString(CultureInfo.InvariantCulture) : $"{Slug(path)}-{n}", [
                    $"{n:N0} circuits on {path} ({live.Count:N0} as dev@example.com{(path == EnvironmentsPath ? " with the changed row on their page" : "")}, {idle.Count:N0} idle as platform@example.com, every team), " +
                        $"{environments:N0} environments in 50 teams on PostgreSQL (generated in {seeded.TotalSeconds:0} s); {Environment.ProcessorCount} cores, load average {LoadAverage()}",
                    $"opened in {opened.TotalSeconds:0.0} s ({Concurrency} at a time); the server's counter: open {counted.Open:N0}, connected {counted.Connected:N0}, opened in all {counted.Opened:N0}, closed {counted.Closed:N0}",
                    PerCircuit("managed heap after a full GC", baseline.ManagedHeapBytes, after.ManagedHeapBytes, total),
                    PerCircuit("GC heap size", baseline.GcHeapSizeBytes, after.GcHeapSizeBytes, total) + $"; committed {Mb(after.GcCommittedBytes)}, fragmented {Mb(after.GcFragmentedBytes)}; collections gen0/1/2 {after.Gen0Collections}/{after.Gen1Collections}/{after.Gen2Collections}; server GC {after.ServerGc}",
                    PerCircuit("process RSS", baseline.WorkingSetBytes, after.WorkingSetBytes, total),
                    $"circuits per GB of managed heap: {(after.ManagedHeapBytes > baseline.ManagedHeapBytes ? 1024d * 1024 * 1024 * total / (after.ManagedHeapBytes - baseline.ManagedHeapBytes) : 0):N0}",
                    latencies,
                    $"JS calls answered, by identifier (all circuits so far): {string.Join(", ", CircuitClient.JsCalls.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"))}",
                    dump,
                ]);
            }
        }
        finally
        {
            await Parallel.ForEachAsync(live.Concat(idle), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (client, _) => await client.DisposeAsync());
        }

        var closed = await WaitForAsync(platform, d => d.Open == 0, TimeSpan.FromMinutes(2));
        output.WriteLine($"{path} closed: open {closed.Open}, closed in all {closed.Closed:N0}");
        Assert.Equal(0, closed.Open);
    }

    /// <summary>
    /// <c>PORTAL_BENCH_GCDUMP</c> set to the path of <c>dotnet-gcdump</c>: a heap dump of the portal with the circuits open, into
    /// <c>TestResults/benchmarks/circuits-{page}-{n}.gcdump</c> (read it with <c>dotnet-gcdump report</c>).
    /// </summary>
    private static async Task<string> GcDumpAsync(PortalProcess portal, string path, int n)
    {
        var tool = Environment.GetEnvironmentVariable("PORTAL_BENCH_GCDUMP");
        if (string.IsNullOrEmpty(tool))
        {
            return "heap dump: not taken (PORTAL_BENCH_GCDUMP names dotnet-gcdump)";
        }

        var file = System.IO.Path.Combine(RepositoryPaths.Root, "TestResults", "benchmarks", $"circuits-{Slug(path)}-{n}.gcdump");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "collect", "-p", portal.ProcessId.ToString(CultureInfo.InvariantCulture), "-o", file })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return $"heap dump: {file} (exit {process.ExitCode}) {(await stdout).Trim().ReplaceLineEndings(" ")} {(await stderr).Trim()}";
    }

    private static string Slug(string path) => path.Trim('/') is { Length: > 0 } p ? p.Replace('/', '-') : "home";

    /// <summary>Opens <paramref name="count"/> circuits on the page, <see cref="Concurrency"/> at a time, each until its first render.</summary>
    private async Task<List<CircuitClient>> OpenAsync(HttpClient http, CookieContainer cookies, string path, int count)
    {
        var clients = new ConcurrentBag<CircuitClient>();
        var failures = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Math.Max(0, count)), new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (_, ct) =>
        {
            try
            {
                var client = await CircuitClient.OpenAsync(http, cookies, path, ct);
                clients.Add(client);
                await client.FirstBatch.WaitAsync(TimeSpan.FromMinutes(2), ct);
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TimeoutException or IOException or TaskCanceledException)
            {
                failures.Add(ex.Message);
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} circuits failed to open: {string.Join(" | ", failures.Take(3))}");
        return [.. clients];
    }

    /// <summary>Waits until no circuit has received a batch for 3 s (the first renders and the layout's JS round trips are over).</summary>
    private static async Task QuietAsync(IReadOnlyList<CircuitClient> clients)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            var last = clients.Max(c => c.LastBatchAt);
            if (Stopwatch.GetElapsedTime(last) > TimeSpan.FromSeconds(3))
            {
                return;
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Changes of one environment (the schedule, through the API as its owner), one at a time: request → render batch at every live client.</summary>
    private static async Task<string> MeasureUpdatesAsync(HttpClient developer, IReadOnlyList<CircuitClient> live, Guid environment, int changes)
    {
        var latencies = new List<double>();
        var missing = 0;
        for (var i = 0; i < changes; i++)
        {
            var arrivals = live.Select(c => c.ArmNextBatch()).ToList();
            var start = Stopwatch.GetTimestamp();
            using var response = await developer.PutAsJsonAsync($"/api/v1/environments/{environment}/schedule", new { offHours = false });
            Assert.True(response.IsSuccessStatusCode, $"schedule change: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var all = Task.WhenAll(arrivals);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(60)));
            foreach (var arrival in arrivals)
            {
                if (arrival.IsCompletedSuccessfully)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(start, arrival.Result).TotalMilliseconds);
                }
                else
                {
                    missing++;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        latencies.Sort();
        return FormattableString.Invariant(
            $"update latency, {changes} changes one at a time × {live.Count:N0} live circuits (request → render batch at the client): p50 {Percentile(latencies, 0.50):0} ms, p95 {Percentile(latencies, 0.95):0} ms, max {(latencies.Count > 0 ? latencies[^1] : 0):0} ms; {latencies.Count:N0} measured, {missing} never arrived within 60 s");
    }

    private static async Task<(HttpClient Http, CookieContainer Cookies)> SignInAsync(Uri baseAddress, string email)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, AllowAutoRedirect = false, MaxConnectionsPerServer = 64 })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Add("Origin", baseAddress.GetLeftPart(UriPartial.Authority));
        using var response = await PortalWebFactory.PostLoginAsync(http, email, BrowserSession.DemoPassword);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return (http, cookies);
    }

    private static async Task<CircuitDiagnostics> DiagnosticsAsync(HttpClient http, bool collect) =>
        (await http.GetFromJsonAsync<CircuitDiagnostics>($"/api/v1{CircuitDiagnosticsEndpoints.Path}?collect={(collect ? "true" : "false")}"))!;

    private static async Task<CircuitDiagnostics> WaitForAsync(HttpClient http, Func<CircuitDiagnostics, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var diagnostics = await DiagnosticsAsync(http, collect: false);
            if (condition(diagnostics) || clock.Elapsed > timeout)
            {
                return diagnostics;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Teams and environments as the API harness generates them (no stacks, events or cost facts: the page reads none); returns a
    /// Ready payments environment on the developer's first page and not on the platform engineer's (newest first, destroyed hidden).
    /// </summary>
    private static async Task<Guid> SeedAsync(TestDatabase database, int environments)
    {
        await using var db = database.CreateContext();
        var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        await CostBenchmarkData.ExecAsync(db, $$"""
            INSERT INTO "Teams" ("Id", "Slug", "Name", "CostCenter", "MonthlyBudgetUsd", "CreatedAt", "UpdatedAt")
            SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'CC-' || i, 50000, now(), now() FROM generate_series(1, 49) i;

            INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                "Version", "MonthlyEstimateUsd", "ExpiresAt")
            SELECT gen_random_uuid(), 'bench-' || i, t."Id", '{{owner}}', (ARRAY['network-vpc', 'static-site', 'ecs-web-service'])[1 + i % 3], '1.0.0',
                (ARRAY['dev', 'staging', 'prod'])[1 + i % 3], '{{CostBenchmarkData.Account}}', 'us-east-1', 'bench-' || i,
                CASE i % 10 WHEN 1 THEN 'Destroyed' WHEN 2 THEN 'Stopped' ELSE 'Ready' END,
                ('{"ServiceUrl":"https://bench-' || i || '.example.com"}')::jsonb, ('{"EnvironmentName":"bench-' || i || '"}')::jsonb,
                false, 0, now() - i * interval '1 minute', now(), 1, 30 + i % 500, CASE WHEN i % 4 = 0 THEN now() + interval '7 days' END
            FROM generate_series(1, {{environments}}) i
            JOIN (SELECT "Id", row_number() OVER (ORDER BY "Slug") - 1 AS k FROM "Teams" WHERE "Slug" LIKE 'bench-%' OR "Id" = '{{payments}}') t ON t.k = i % 50;
            """);
        await CostBenchmarkData.ExecAsync(db, """VACUUM ANALYZE "Environments";""");
        return await db.Database.SqlQuery<Guid>($"""
            WITH visible AS (
                SELECT e."Id", e."TeamId", e."Status", row_number() OVER (ORDER BY e."CreatedAt" DESC, e."Id") AS overall
                FROM "Environments" e WHERE e."Status" <> 'Destroyed')
            SELECT v."Id" AS "Value" FROM visible v
            WHERE v."TeamId" = {payments} AND v."Status" = 'Ready' AND v.overall > 100
            ORDER BY v.overall LIMIT 1
            """).SingleAsync();
    }

    private static string PerCircuit(string what, long before, long after, int circuits) => FormattableString.Invariant(
        $"{what}: {Mb(before)} before → {Mb(after)} after: +{Mb(after - before)} = {(after - before) / 1024d / 1024d / circuits:0.000} MB per circuit");

    private static string Mb(long bytes) => FormattableString.Invariant($"{bytes / 1024d / 1024d:N1} MB");

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private void Report(string name, IReadOnlyList<string> lines) => CostBenchmarkData.Report(output, $"circuits-{name}", lines);
}
