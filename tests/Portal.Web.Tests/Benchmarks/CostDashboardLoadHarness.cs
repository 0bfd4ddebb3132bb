using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Browser;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Load harness for the finance dashboards on PostgreSQL: 10,000 environments (a tenth destroyed, a tenth stopped, a tenth
/// expired) × 365 days × 3 services ≈ 11 million cost facts generated in SQL, then every <see cref="CostDashboardQueries"/>
/// view's p50/p95 for finance (everything) and a developer (one team), the per-environment views before and after issue 18's SQL in
/// the same run, every view through HTTP (<c>/api/v1/costs/dashboard/{view}</c>, 30 days, as finance) and the page end to end in
/// Chromium; the rollups are built by ingestion's own statements. Not part of the test command:
/// <code>PORTAL_BENCH_ENVIRONMENTS=10000 PORTAL_BENCH_ITERATIONS=10 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~CostDashboardLoadHarness" --logger "console;verbosity=detailed"</code>
/// Figures go to the console and to <c>TestResults/benchmarks/cost-dashboards.txt</c>.
/// </summary>
[Trait("Category", "Benchmark")]
[Collection(CostBenchmarkData.Collection)]
public sealed class CostDashboardLoadHarness(ITestOutputHelper output)
{
    [Fact]
    public async Task DashboardViews_AtTenMillionFacts()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Error",
            ["RateLimits:TokenPermitsPerMinute"] = "1000000",
        });
        var iterations = CostBenchmarkData.Iterations(10);
        var lines = new List<string>();
        var clock = Stopwatch.StartNew();
        var facts = await CostBenchmarkData.GenerateAsync(portal);
        lines.Add($"{CostBenchmarkData.Environments:N0} environments in {CostBenchmarkData.Teams} teams, {facts:N0} cost facts ({CostBenchmarkData.Days} days × {CostBenchmarkData.Services} services) generated in {clock.Elapsed.TotalSeconds:0} s");

        var queries = new CostDashboardQueries(portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>());
        var finance = await portal.ActorAsync("finance@example.com");
        var developer = await portal.ActorAsync("dev@example.com");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CostFilter(today.AddDays(-29), today);
        var quarter = new CostFilter(today.AddDays(-89), today);
        // PORTAL_BENCH_BROWSER_ONLY=1: the page in Chromium only (iterating on the circuit's cost; the views' figures need the full run).
        var browserOnly = Environment.GetEnvironmentVariable("PORTAL_BENCH_BROWSER_ONLY") == "1";
        var cases = browserOnly ? [] : new List<(string Name, Func<Task> Run)>
        {
            ("monthly by team, 13 months, finance", () => queries.MonthlyByTeamAsync(finance, month, CancellationToken.None)),
            ("by team, 30 days, finance", () => queries.ByTeamAsync(finance, month, CancellationToken.None)),
            ("by tier, 30 days, finance", () => queries.ByTierAsync(finance, month, CancellationToken.None)),
            ("by service, 30 days, finance", () => queries.ByServiceAsync(finance, month, CancellationToken.None)),
            ("top 10 environments, 30 days, finance", () => queries.TopEnvironmentsAsync(finance, month, 10, CancellationToken.None)),
            ("daily trend, 90 days, finance", () => queries.DailyTrendAsync(finance, quarter, CancellationToken.None)),
            ("estimate vs actual, every row (the CSV), finance", () => queries.EstimateVsActualAsync(finance, month, CancellationToken.None)),

            // Before and after issue 18's SQL, in the same run: the in-memory way (every environment's row read, then paged,
            // grouped or credited in C#; waste one query per period group) against one statement each.
            ("estimates page 1 of 50, before (all rows, paged in C#)", async () => CostDashboardQueries.Sorted(
                await queries.EstimateVsActualAsync(finance, month, CancellationToken.None), EstimateSort.Actual, true).Take(50).ToList()),
            ("estimates page 1 of 50, after (one SQL statement)", () => queries.EstimateVsActualPageAsync(finance, month, EstimateSort.Actual, true, 1, 50, CancellationToken.None)),
            ("by template, before (all rows, grouped in C#)", async () => CostDashboardQueries.ByTemplate(await queries.EstimateVsActualAsync(finance, month, CancellationToken.None))),
            ("by template, after", () => queries.EstimateVsActualByTemplateAsync(finance, month, CancellationToken.None)),
            ("approved vs realised, before (rows credited in C#)", async () => await queries.ApprovedVsRealisedAsync(finance, month,
                await queries.EstimateVsActualAsync(finance, month, CancellationToken.None), CancellationToken.None)),
            ("approved vs realised, after", () => queries.ApprovedVsRealisedAsync(finance, month, CancellationToken.None)),
            ("waste, before (a query per period group)", () => queries.WasteAsync(finance, month, inMemory: true, CancellationToken.None)),
            ("waste, after", () => queries.WasteAsync(finance, month, CancellationToken.None)),
            ("monthly by team, 13 months, developer", () => queries.MonthlyByTeamAsync(developer, month, CancellationToken.None)),
            ("by service, 30 days, developer", () => queries.ByServiceAsync(developer, month, CancellationToken.None)),
            ("estimate vs actual, 30 days, developer", () => queries.EstimateVsActualAsync(developer, month, CancellationToken.None)),
            ("waste, 30 days, developer", () => queries.WasteAsync(developer, month, CancellationToken.None)),

            // What the page reads ahead of its circuit: every view at once, each on its own context (CostsPageViews.LoadAsync).
            ("every view at once (the page's read), 30 days, finance", () => CostsPageViews.LoadAsync(queries, finance, month, 10, 8)),
        };
        foreach (var (name, run) in cases)
        {
            lines.Add(await CostBenchmarkData.TimeAsync(name, iterations, run));
            output.WriteLine(lines[^1]);
        }

        // Every view through HTTP as a client sees it: token authentication, the filter, the JSON (issue 18's measure).
        if (!browserOnly)
        {
            using var http = new HttpClient { BaseAddress = portal.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await portal.CreateTokenAsync("finance@example.com"));
            string Range(CostFilter f) => FormattableString.Invariant($"from={f.From:yyyy-MM-dd}&to={f.To:yyyy-MM-dd}");
            foreach (var view in CostDashboardExport.Views)
            {
                var path = $"/api/v1/costs/dashboard/{view}?{Range(view == CostDashboardExport.Daily ? quarter : month)}";
                var bytes = 0;
                var line = await CostBenchmarkData.TimeAsync($"HTTP {view}{(view == CostDashboardExport.Daily ? " (90 days)" : "")}, finance", iterations, async () =>
                    bytes = (await http.GetByteArrayAsync(path)).Length);
                lines.Add($"{line}   {bytes:N0} bytes");
                output.WriteLine(lines[^1]);
            }
        }

        // The dashboards page end to end in Chromium, as finance: navigation start → every view's table rendered and the circuit live.
        using (var playwright = await Playwright.CreateAsync())
        {
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            var context = await browser.NewContextAsync(new() { BaseURL = portal.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
            context.SetDefaultTimeout(120_000);
            // The same end by the page's own clock: navigation start to the first frame painted after the DOM change that
            // completed every table with the circuit live (an animation frame, then a task: after that frame's paint). No
            // Playwright round trip per table, which the figure above includes.
            await context.AddInitScriptAsync("""
                (() => {
                    const ids = ['table-monthly', 'table-top', 'table-daily', 'table-templates', 'circuit-live'];
                    new MutationObserver((_, observer) => {
                        if (ids.every(id => document.querySelector(`[data-testid=${id}]`))) {
                            observer.disconnect();
                            requestAnimationFrame(() => setTimeout(() => { window.__portalTablesAt = performance.now(); }, 0));
                        }
                    }).observe(document, { childList: true, subtree: true });
                })();
                """);
            var page = await context.NewPageAsync();
            var login = new LoginPage(page);
            await login.OpenAsync();
            await login.SignInAsync("finance@example.com", BrowserSession.DemoPassword);
            await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
            // Where the page's time goes: the prerendered document (first byte, the streamed views in, DOMContentLoaded), the
            // circuit up, the last table in (medians over the runs); the floor beside it, interleaved: a near-empty page
            // (`/not-found`, signed in) to its circuit live, which is what any interactive page costs here at all.
            // PORTAL_BENCH_READ_CONCURRENCY=10,2: the page's read ahead with each bound on its statements at once
            // (Costs:PageReadConcurrency), one after the other within every run, so the bounds share the machine's moments.
            static List<string> Switch(string name, string fallback) => [.. (Environment.GetEnvironmentVariable(name) ?? fallback)
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            var prefetch = portal.Services.GetRequiredService<CostsPagePrefetch>();
            var bounds = Switch("PORTAL_BENCH_READ_CONCURRENCY", prefetch.ReadConcurrency.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(b => int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            // Variants, each in its own tab of the same session, interleaved (the tab in use brought to the front: a background tab's
            // animation frames and timers are throttled):
            // PORTAL_BENCH_FRAMES=on,off: the circuit's WebSocket frames recorded (the split below) or not: Chromium hands every frame
            // to Playwright, which costs the cores the page runs on.
            var frames = Switch("PORTAL_BENCH_FRAMES", "on");
            // The circuit's own traffic (issue 18, dashpage), where recorded: every WebSocket frame with its time since the navigation
            // began, so the circuit's start splits into the socket open, the state sent back, the first render batch in and the
            // browser applying it; the same for the floor.
            var socket = new CircuitFrames();
            var variants = new List<PageRuns>();
            // PORTAL_BENCH_ANIMATIONS=on,off: the page's CSS animations as served, or stopped by a style sheet the harness adds to the
            // tab (what an animation costs the cores while the page loads: a frame painted and composited for each of its ticks).
            var animations = Switch("PORTAL_BENCH_ANIMATIONS", "on");
            foreach (var (recorded, animated) in frames.SelectMany(f => animations.Select(a => (f == "on", a == "on"))))
            {
                var tab = variants.Count == 0 ? page : await context.NewPageAsync();
                if (recorded)
                {
                    tab.WebSocket += (_, ws) => socket.Watch(ws);
                }

                if (!animated)
                {
                    await tab.AddInitScriptAsync("""
                        new MutationObserver((_, observer) => {
                            if (document.head) {
                                observer.disconnect();
                                const style = document.createElement('style');
                                style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; }';
                                document.head.append(style);
                            }
                        }).observe(document, { childList: true, subtree: true });
                        """);
                }

                var named = new List<string>();
                if (frames.Count > 1)
                {
                    named.Add($"WebSocket frames {(recorded ? "recorded" : "not recorded")}");
                }

                if (animations.Count > 1)
                {
                    named.Add($"animations {(animated ? "on" : "stopped")}");
                }

                var name = named.Count > 0 ? string.Join(", ", named) : null;
                variants.AddRange(bounds.Select(b => new PageRuns(b, tab, name)));
            }

            PageTiming? last = null;
            // The server's side (ASP.NET Core's component metrics, in process): components given parameters and render
            // batches, by type, in the prerender (until DOMContentLoaded) and in the circuit (until every table is in).
            using var components = new ComponentCounts();
            // Warm-up rounds, then the runs; the floor is timed before each run, outside the page's own time. The page warms up until
            // .NET's JIT has settled: tier 1 recompiles a method after its 30th call, so for the first few dozen loads of a fresh
            // process the JIT compiles the circuit's code beside the load (measured: 480–880 ms of JIT per load over the first 35–50
            // loads, 3–8 after; README, fourteenth round). Settled: five rounds in a row each compiling under 20 ms, at most 100 rounds;
            // PORTAL_BENCH_WARMUP=<rounds> fixes the count instead (1 before this).
            int? fixedWarmup = int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_WARMUP"), System.Globalization.CultureInfo.InvariantCulture, out var w) ? Math.Max(1, w) : null;
            var (warmedUp, rounds, quiet, measured) = (false, 0, 0, 0);
            while (measured < iterations)
            {
                var lastRun = warmedUp && measured == iterations - 1;
                var roundJit = 0.0;
                foreach (var runs in variants)
                {
                    var tab = runs.Page;
                    if (variants.Count > 1)
                    {
                        await tab.BringToFrontAsync();
                    }

                    prefetch.ReadConcurrency = runs.Bound;
                    components.Reset();
                    var cpuBefore = ProcessCpu.Read();
                    var floor = socket.Begin();
                    await tab.GotoAsync("/not-found", new() { WaitUntil = WaitUntilState.Commit });
                    await tab.Locator("[data-testid=circuit-live]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                    var floorMs = floor.Elapsed.TotalMilliseconds;
                    var floorSocket = socket.End(floorMs);
                    var floorComponents = components.Take();
                    var floorTiming = await PageTiming.ReadAsync(tab, withState: false);
                    var cpuFloor = ProcessCpu.Read();

                    // PORTAL_BENCH_CHROME_TRACE=<file>: Chromium's own trace of the last run's page load (its processes' threads, what
                    // each task did), for chrome://tracing or Perfetto. Tracing slows that load (it stays one of the runs): a run for a
                    // trace is not a run for figures.
                    var trace = lastRun && runs == variants[0] ? Environment.GetEnvironmentVariable("PORTAL_BENCH_CHROME_TRACE") : null;
                    var tracing = trace is null ? null : await ChromeTrace.StartAsync(browser);

                    var phase = socket.Begin();
                    await tab.GotoAsync("/costs", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
                    var documentMs = phase.Elapsed.TotalMilliseconds;
                    var prerendered = components.Take();
                    await tab.Locator("[data-testid=circuit-live]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                    var circuitMs = phase.Elapsed.TotalMilliseconds;
                    foreach (var table in new[] { "table-monthly", "table-top", "table-daily", "table-templates" })
                    {
                        await tab.Locator($"[data-testid={table}]").WaitForAsync();
                    }

                    var tablesMs = phase.Elapsed.TotalMilliseconds;
                    await tab.WaitForFunctionAsync("() => window.__portalTablesAt !== undefined");
                    var tablesInPage = await tab.EvaluateAsync<double>("() => window.__portalTablesAt");
                    if (tracing is not null)
                    {
                        await tracing.StopAsync(trace!);
                    }

                    var pageSocket = socket.End(circuitMs);
                    var circuitComponents = components.Take();
                    last = await PageTiming.ReadAsync(tab, withState: lastRun);
                    var (floorCpu, pageCpu) = (ProcessCpu.Between(cpuBefore, cpuFloor), ProcessCpu.Between(cpuFloor, ProcessCpu.Read()));
                    if (warmedUp)
                    {
                        runs.AddCpu(floorCpu, pageCpu);
                        runs.Add(floorMs, floorTiming, floorSocket, floorComponents, documentMs, circuitMs, tablesMs, tablesInPage, last, pageSocket, prerendered, circuitComponents);
                    }
                    else
                    {
                        var jit = floorCpu[ProcessCpu.Jit] + pageCpu[ProcessCpu.Jit];
                        roundJit += jit;
                        runs.AddWarmup(tablesInPage, jit);
                    }
                }

                if (warmedUp)
                {
                    measured++;
                }
                else
                {
                    rounds++;
                    quiet = roundJit < 20 ? quiet + 1 : 0;
                    warmedUp = fixedWarmup is { } n ? rounds >= n : quiet >= 5 || rounds >= 100;
                }
            }

            foreach (var runs in variants)
            {
                lines.AddRange(runs.Describe(bounds.Count > 1));
            }

            if (last is not null)
            {
                lines.Add(FormattableString.Invariant($"   the last navigation: document {last.DocumentBytes:N0} bytes on the wire ({last.DocumentDecodedBytes:N0} decoded), persisted state {last.StateChars:N0} chars"));
                foreach (var resource in last.Resources)
                {
                    lines.Add($"   {resource}");
                }
            }

            // What the live page's markup weighs, by the parts the page names (data-testid; nested parts count in their parents too):
            // where the circuit's first render batch goes.
            var parts = await page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('main [data-testid]')]
                    .map(e => [e.getAttribute('data-testid'), e.outerHTML.length])
                    .sort((a, b) => b[1] - a[1]).slice(0, 16).map(([id, n]) => `${id} ${n.toLocaleString('en')}`)
                """);
            var main = await page.EvaluateAsync<int>("() => document.querySelector('main')?.outerHTML.length ?? 0");
            lines.Add(FormattableString.Invariant($"   the live page's markup: main {main:N0} chars; by part: {string.Join(", ", parts)}"));
            output.WriteLine(lines[^1]);
            await BrowserSession.ScreenshotAsync(page, "costs-10m-facts");
        }

        CostBenchmarkData.Report(output, "cost-dashboards", lines);
    }
}

/// <summary>The dashboards page's runs with one bound on its read's statements at once (Costs:PageReadConcurrency), and their floors.</summary>
internal sealed class PageRuns(int bound, IPage page, string? variant = null)
{
    private readonly List<double> _floors = [], _floorLoaded = [], _documents = [], _circuits = [], _tables = [], _inPage = [];
    private readonly List<double> _firstBytes = [], _streamed = [], _contentLoaded = [];
    private readonly List<CircuitFrames.Split> _pageSockets = [], _floorSockets = [];
    private readonly List<ComponentCounts.Snapshot> _prerender = [], _circuit = [], _floorCounts = [];
    private readonly List<Dictionary<string, double>> _floorCpu = [], _pageCpu = [];
    private readonly List<double> _warmup = [], _warmupJit = [];

    public int Bound => bound;

    /// <summary>The tab the runs load in (a variant's own).</summary>
    public IPage Page => page;

    public void Add(double floorMs, PageTiming floorTiming, CircuitFrames.Split floorSocket, ComponentCounts.Snapshot floorComponents, double documentMs,
        double circuitMs, double tablesMs, double tablesInPage, PageTiming timing, CircuitFrames.Split pageSocket, ComponentCounts.Snapshot prerendered,
        ComponentCounts.Snapshot circuit)
    {
        _floors.Add(floorMs);
        _floorLoaded.Add(floorTiming.ContentLoaded);
        _floorSockets.Add(floorSocket);
        _floorCounts.Add(floorComponents);
        _documents.Add(documentMs);
        _circuits.Add(circuitMs);
        _tables.Add(tablesMs);
        _inPage.Add(tablesInPage);
        _firstBytes.Add(timing.FirstByte);
        _streamed.Add(timing.DocumentEnd);
        _contentLoaded.Add(timing.ContentLoaded);
        _pageSockets.Add(pageSocket);
        _prerender.Add(prerendered);
        _circuit.Add(circuit);
    }

    /// <summary>A warm-up load: the page's clock and the JIT's time during it (floor and page).</summary>
    public void AddWarmup(double tablesInPage, double jitMs)
    {
        _warmup.Add(tablesInPage);
        _warmupJit.Add(jitMs);
    }

    /// <summary>The CPU each process group used in one floor's navigation and one page load (each until the next's start).</summary>
    public void AddCpu(Dictionary<string, double> floor, Dictionary<string, double> page)
    {
        _floorCpu.Add(floor);
        _pageCpu.Add(page);
    }

    public IEnumerable<string> Describe(bool named)
    {
        var name = (named ? FormattableString.Invariant($", read ahead {bound} statement{(bound == 1 ? "" : "s")} at once") : "") + (variant is null ? "" : $", {variant}");
        yield return CostBenchmarkData.Percentiles($"dashboards page end to end, finance{name}", [.. _tables]);
        yield return CostBenchmarkData.Percentiles("   the same by the page's clock (navigation start → painted)", [.. _inPage]);
        yield return FormattableString.Invariant($"   of which (medians): document {Median(_documents):0} ms (first byte {Median(_firstBytes):0}, streamed views in {Median(_streamed):0}, DOMContentLoaded {Median(_contentLoaded):0} by the browser's clock), circuit live {Median(_circuits):0} ms, every table {Median(_tables):0} ms");
        yield return CostBenchmarkData.Percentiles("   floor, interleaved: /not-found to circuit live", [.. _floors]);
        yield return FormattableString.Invariant($"   the floor's DOMContentLoaded (median, the browser's clock): {Median(_floorLoaded):0} ms");
        yield return "   " + CircuitFrames.Describe("the page's circuit", _pageSockets, Median);
        yield return "   " + CircuitFrames.Describe("the floor's circuit", _floorSockets, Median);
        yield return "   CPU per page load by process (medians): " + ProcessCpu.Describe(_pageCpu);
        yield return "   CPU per floor navigation by process (medians): " + ProcessCpu.Describe(_floorCpu);
        // The runs in order, by quarter: whether the JIT still compiled while they ran; and the warm-up's own loads, from the first
        // after the process started (what the first users after a start or deploy see).
        yield return "   the page's clock by quarter of the runs, in order: " + Quarters(_inPage, [.. _floorCpu.Zip(_pageCpu, (f, p) => f[ProcessCpu.Jit] + p[ProcessCpu.Jit])]);
        if (_warmup.Count > 0)
        {
            yield return FormattableString.Invariant($"   warm-up, {_warmup.Count} loads before the runs, by the page's clock: ") + CostBenchmarkData.Percentiles("", [.. _warmup]).Trim()
                + "; by quarter: " + Quarters(_warmup, _warmupJit);
            yield return CostBenchmarkData.Percentiles("   every load from the first after the start (warm-up and runs)", [.. _warmup, .. _inPage]);
        }
        yield return "   " + ComponentCounts.Describe("the page's prerender", _prerender);
        yield return "   " + ComponentCounts.Describe("the page's circuit", _circuit);
        yield return "   " + ComponentCounts.Describe("the floor (prerender and circuit)", _floorCounts);
        // The views' read the prerender starts (CostsPagePrefetch) and how long the circuit still waited for it.
        var reads = _prerender.Zip(_circuit, (p, c) => (Read: p.ReadMs + c.ReadMs, Wait: p.WaitMs + c.WaitMs)).ToList();
        if (reads.Count > 0)
        {
            yield return CostBenchmarkData.Percentiles("   the views' read ahead (portal.costs.page_read.duration)", [.. reads.Select(r => r.Read)]);
            yield return CostBenchmarkData.Percentiles("   the circuit waiting for it (portal.costs.page_read.wait)", [.. reads.Select(r => r.Wait)]);
        }

        // The slowest runs, each with what it spent where: a tail the JIT does not explain is read here (the floor before it slow
        // too: the machine; the read's wait; the garbage collector's pauses; one process's CPU).
        if (reads.Count == _inPage.Count && _pageCpu.Count == _inPage.Count)
        {
            var slowest = Enumerable.Range(0, _inPage.Count).OrderByDescending(i => _inPage[i]).Take(Math.Max(1, _inPage.Count / 20));
            yield return "   the slowest runs (run: page's clock; its floor; the read ahead and the circuit's wait; CPU): " + string.Join(" | ", slowest.Select(i =>
                FormattableString.Invariant($"#{i + 1}: {_inPage[i]:0} ms; floor {_floors[i]:0}; read {reads[i].Read:0}, wait {reads[i].Wait:0}; ")
                + string.Join(", ", _pageCpu[i].Where(g => g.Value >= 1).Select(g => FormattableString.Invariant($"{g.Key} {g.Value:0}"))))) + ".";
        }
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Quarters(List<double> page, List<double> jit)
    {
        var quarter = Math.Max(1, (page.Count + 3) / 4);
        return string.Join(" | ", Enumerable.Range(0, (page.Count + quarter - 1) / quarter).Select(q => FormattableString.Invariant(
            $"{CostBenchmarkData.Percentiles("", [.. page.Skip(q * quarter).Take(quarter)]).Trim()}, JIT {Median([.. jit.Skip(q * quarter).Take(quarter)]):0} ms per floor and page")));
    }
}

/// <summary>
/// ASP.NET Core's component metrics (meter <c>Microsoft.AspNetCore.Components.Lifecycle</c>) counted in process: every
/// component given parameters (by type), every render batch and its diff's size and duration, between two <see cref="Take"/>s.
/// </summary>
internal sealed class ComponentCounts : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _byType = new(StringComparer.Ordinal);
    private (int Batches, double BatchMs, long DiffSize, double ParametersMs, double ReadMs, double WaitMs) _totals;

    public ComponentCounts()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is "Microsoft.AspNetCore.Components.Lifecycle" or CostsPagePrefetch.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            lock (_gate)
            {
                if (instrument.Name == "aspnetcore.components.update_parameters.duration")
                {
                    var type = "?";
                    foreach (var tag in tags)
                    {
                        if (tag.Key == "aspnetcore.components.type")
                        {
                            type = tag.Value?.ToString() ?? "?";
                        }
                    }

                    _byType[type] = _byType.GetValueOrDefault(type) + 1;
                    _totals.ParametersMs += value * 1000;
                }
                else if (instrument.Name == "aspnetcore.components.render_diff.duration")
                {
                    _totals.Batches++;
                    _totals.BatchMs += value * 1000;
                }
                else if (instrument.Name == "portal.costs.page_read.duration")
                {
                    _totals.ReadMs += value;
                }
                else if (instrument.Name == "portal.costs.page_read.wait")
                {
                    _totals.WaitMs += value;
                }
            }
        });
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) =>
        {
            lock (_gate)
            {
                if (instrument.Name == "aspnetcore.components.render_diff.size")
                {
                    _totals.DiffSize += value;
                }
            }
        });
        _listener.Start();
    }

    public void Reset() => Take();

    public Snapshot Take()
    {
        lock (_gate)
        {
            var snapshot = new Snapshot(new Dictionary<string, int>(_byType), _totals.Batches, _totals.BatchMs, _totals.DiffSize, _totals.ParametersMs, _totals.ReadMs, _totals.WaitMs);
            _byType.Clear();
            _totals = default;
            return snapshot;
        }
    }

    public static string Describe(string name, List<Snapshot> runs)
    {
        if (runs.Count == 0)
        {
            return $"{name}: nothing counted";
        }

        double Median(Func<Snapshot, double> value) => runs.Select(value).Order().ElementAt(runs.Count / 2);
        var types = runs[^1].ByType.OrderByDescending(t => t.Value).Take(14).Select(t => $"{ShortName(t.Key)} {t.Value}");
        return FormattableString.Invariant(
            $"{name} (medians): {Median(r => r.ByType.Values.Sum()):N0} parameter updates ({Median(r => r.ParametersMs):0} ms in them), {Median(r => r.Batches):0} render batches, {Median(r => r.BatchMs):0} ms rendering diffs, diff size {Median(r => r.DiffSize):N0}; the last run's most frequent: {string.Join(", ", types)}");
    }

    public void Dispose() => _listener.Dispose();

    // "MudBlazor.TemplateColumn`1[[Portal…]]" → "TemplateColumn`1".
    private static string ShortName(string type)
    {
        var name = type.Split("[[", 2)[0];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    internal sealed record Snapshot(Dictionary<string, int> ByType, int Batches, double BatchMs, long DiffSize, double ParametersMs, double ReadMs = 0, double WaitMs = 0);
}

/// <summary>
/// A page's WebSocket frames for one navigation, timed from its start: when the socket opened, the first frame the browser sent
/// (Blazor's <c>StartCircuit</c>, carrying the persisted state back), the largest frame received (the first render batch) and the
/// totals received until the circuit was live.
/// </summary>
internal sealed class CircuitFrames
{
    private readonly Lock _gate = new();
    private readonly List<(double At, string Kind, int Bytes)> _frames = [];
    private Stopwatch _clock = new();

    public Stopwatch Begin()
    {
        lock (_gate)
        {
            _frames.Clear();
            _clock = Stopwatch.StartNew();
            return _clock;
        }
    }

    public void Watch(IWebSocket ws)
    {
        Add("open", 0);
        ws.FrameSent += (_, f) => Add("sent", Size(f));
        ws.FrameReceived += (_, f) => Add("received", Size(f));
    }

    public Split End(double liveMs)
    {
        lock (_gate)
        {
            var before = _frames.Where(f => f.At <= liveMs + 1).ToList();
            var received = before.Where(f => f.Kind == "received").ToList();
            var sent = before.Where(f => f.Kind == "sent").ToList();
            var largest = received.Count == 0 ? default : received.MaxBy(f => f.Bytes);
            return new Split(
                before.FirstOrDefault(f => f.Kind == "open").At,
                sent.Count == 0 ? 0 : sent.Max(f => f.Bytes),
                largest.At, largest.Bytes, received.Count, received.Sum(f => f.Bytes), sent.Sum(f => f.Bytes), liveMs);
        }
    }

    public static string Describe(string name, List<Split> splits, Func<List<double>, double> median) =>
        splits.Count == 0 ? $"{name}: no frames" : FormattableString.Invariant(
            $"{name} (medians): socket open {median([.. splits.Select(s => s.OpenMs)]):0} ms, largest frame sent {median([.. splits.Select(s => (double)s.LargestSentBytes)]):N0} bytes, largest frame received {median([.. splits.Select(s => (double)s.LargestReceivedBytes)]):N0} bytes at {median([.. splits.Select(s => s.LargestReceivedMs)]):0} ms, {median([.. splits.Select(s => (double)s.ReceivedFrames)]):0} frames / {median([.. splits.Select(s => (double)s.ReceivedBytes)]):N0} bytes received and {median([.. splits.Select(s => (double)s.SentBytes)]):N0} sent until live at {median([.. splits.Select(s => s.LiveMs)]):0} ms");

    private void Add(string kind, int bytes)
    {
        lock (_gate)
        {
            _frames.Add((_clock.Elapsed.TotalMilliseconds, kind, bytes));
        }
    }

    private static int Size(IWebSocketFrame frame) => frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? "");

    internal readonly record struct Split(double OpenMs, int LargestSentBytes, double LargestReceivedMs, int LargestReceivedBytes, int ReceivedFrames, int ReceivedBytes, int SentBytes, double LiveMs);
}

/// <summary>The browser's own timings of the last navigation (Navigation and Resource Timing), for the harness's phase split.</summary>
internal sealed record PageTiming(double FirstByte, double DocumentEnd, double ContentLoaded, long DocumentBytes, long DocumentDecodedBytes, long StateChars, IReadOnlyList<string> Resources)
{
    public static async Task<PageTiming> ReadAsync(IPage page, bool withState)
    {
        var json = await page.EvaluateAsync<System.Text.Json.JsonElement>("""
            async (withState) => {
              const n = performance.getEntriesByType('navigation')[0];
              const resources = performance.getEntriesByType('resource');
              // The document as served (the circuit has consumed its state comment by now): once more, after the timings.
              const html = withState ? await (await fetch(location.href)).text() : '';
              const state = /Blazor-Server-Component-State:([^-]*)-->/.exec(html);
              return {
                firstByte: n.responseStart, documentEnd: n.responseEnd, contentLoaded: n.domContentLoadedEventEnd,
                bytes: n.transferSize, decoded: n.decodedBodySize, state: state ? state[1].length : 0,
                resources: resources.map(r => ({
                  name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd, transfer: r.transferSize,
                  encoded: r.encodedBodySize, decoded: r.decodedBodySize })),
              };
            }
            """, withState);
        var resources = json.GetProperty("resources").EnumerateArray().Select(r => FormattableString.Invariant(
            $"{r.GetProperty("name").GetString()}: {r.GetProperty("start").GetDouble():0}–{r.GetProperty("end").GetDouble():0} ms, {r.GetProperty("transfer").GetDouble():N0} bytes on the wire (0: from the cache), {r.GetProperty("encoded").GetDouble():N0} encoded, {r.GetProperty("decoded").GetDouble():N0} decoded")).ToList();
        return new PageTiming(json.GetProperty("firstByte").GetDouble(), json.GetProperty("documentEnd").GetDouble(), json.GetProperty("contentLoaded").GetDouble(),
            (long)json.GetProperty("bytes").GetDouble(), (long)json.GetProperty("decoded").GetDouble(), (long)json.GetProperty("state").GetDouble(), resources);
    }
}
