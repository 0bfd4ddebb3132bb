using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Infrastructure;
using static Portal.Web.Tests.Lifecycle.LiveTestKit;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// Issue #18's live half on a real PostgreSQL through the real services: a change reaches every live listener of a node once,
/// costs one row read per node however many pages listen (counted as statements), and reaches another node through
/// LISTEN/NOTIFY. Listeners here do what the environments page does with a change (<see cref="EnvironmentsLiveList"/>).
/// </summary>
public sealed class LiveChangeSignallingTests
{
    private const int Pages = 40;
    private const int Changes = 6;

    [Fact]
    public async Task Changes_cost_one_row_read_per_node_not_one_per_page_and_arrive_once()
    {
        await using var portal = await LiveTestKit.StartAsync();
        var id = (await portal.ReadyDevSitesAsync("live-rows", 1)).Single();
        var signals = portal.Services.GetRequiredService<LifecycleSignals>();
        var rows = portal.Services.GetRequiredService<LiveEnvironmentRows>();
        var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
        var commands = portal.Services.GetRequiredService<EnvironmentCommands>();
        var dev = await portal.ActorAsync("dev@example.com");

        // Each signal of this environment, as every subscriber of the node sees it.
        var signalled = new ConcurrentQueue<LifecycleChange>();
        using var raw = signals.Subscribe(change =>
        {
            if (change.Kind == LifecycleChangeKind.Environment && change.Id == id)
            {
                signalled.Enqueue(change);
            }

            return Task.CompletedTask;
        });
        await WaitQuietAsync(signalled);

        // Forty open environment lists, each showing the first page as the engineer sees it.
        var filter = new EnvironmentFilter(HideDestroyed: true);
        var pages = new List<ListeningPage>();
        for (var i = 0; i < Pages; i++)
        {
            var page = new ListeningPage(queries, dev, filter);
            await page.LoadAsync();
            page.Shown.ShouldContain(e => e.Id == id);
            pages.Add(page);
        }

        using var subscriptions = new CompositeDisposable([.. pages.Select(p => rows.Subscribe(p.OnChangeAsync))]);
        await using var database = await LivePagesTests.Announcements.ListenAsync(portal.Database.ConnectionString, id);
        using var statements = new StatementCounter(portal.Database.Name);
        var readsBefore = rows.Reads;
        var signalledBefore = signalled.Count;

        for (var i = 0; i < Changes; i++)
        {
            await commands.SetOffHoursScheduleAsync(dev, id, false, CancellationToken.None);
        }

        await WaitUntilAsync(() => signalled.Count - signalledBefore >= Changes);
        await Task.Delay(TimeSpan.FromSeconds(3)); // the old feed's poll looked 2 s back: a second delivery would land by now

        // Once each: the database's notification is the only delivery (the in-process publish delivers nothing on PostgreSQL).
        // The drift job may seed the environment's drift row meanwhile — a change too, announced and delivered like the others.
        var announced = database.Payloads.Count;
        database.Payloads.Count(p => p.StartsWith("e|", StringComparison.Ordinal)).ShouldBe(Changes);
        (signalled.Count - signalledBefore).ShouldBe(announced);

        var listRowReads = statements.ListRowReads;
        var statementTexts = string.Join("\n", statements.Texts);
        var reads = rows.Reads - readsBefore;

        // Every page got the same rows (changes that arrive while a read runs are read together: at most one row per change),
        // and shows the row as it is now.
        var delivered = pages[0].Delivered(id);
        delivered.ShouldBeInRange(1, announced);
        pages.ShouldAllBe(p => p.Delivered(id) == delivered);
        var now = (await queries.SummariesAsync([id], CancellationToken.None)).Single();
        pages.ShouldAllBe(p => p.Shown.Single(e => e.Id == id) == now);

        // The row was swapped in place on every page: no page read its list again.
        pages.ShouldAllBe(p => p.Reloads == 0);

        // Row reads: at most one per change for the whole node (changes arriving together share one), none per page.
        reads.ShouldBeInRange(1, announced);
        listRowReads.ShouldBe((int)reads, statementTexts);
        listRowReads.ShouldBeLessThan(Pages);
    }

    [Fact]
    public async Task A_change_on_one_node_reaches_another_through_listen_notify_once()
    {
        await using var portal = await LiveTestKit.StartAsync();
        var id = (await portal.ReadyDevSitesAsync("cross-node", 1)).Single();

        // Node B: its own signals and change feed on the same database (no in-process publish reaches it).
        var nodeB = new LifecycleSignals(NullLogger<LifecycleSignals>.Instance);
        var received = new ConcurrentQueue<LifecycleChange>();
        using var subscription = nodeB.Subscribe(change =>
        {
            if (change.Id == id && change.Kind == LifecycleChangeKind.Environment)
            {
                received.Enqueue(change);
            }

            return Task.CompletedTask;
        });
        using var feed = new LifecycleChangeFeed(
            portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>(), nodeB, Options.Create(portal.Database.Options), TimeProvider.System,
            NullLogger<LifecycleChangeFeed>.Instance);
        await feed.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(() => nodeB.Listening);
            await using var database = await LivePagesTests.Announcements.ListenAsync(portal.Database.ConnectionString, id);
            await WaitQuietAsync(received);
            var before = (Received: received.Count, Announced: database.Payloads.Count);

            var dev = await portal.ActorAsync("dev@example.com");
            await portal.Services.GetRequiredService<EnvironmentCommands>().SetOffHoursScheduleAsync(dev, id, false, CancellationToken.None);

            await WaitUntilAsync(() => received.Count > before.Received);
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Once per change the database announced (the drift job may seed the environment's drift row meanwhile: a change too).
            (received.Count - before.Received).ShouldBe(database.Payloads.Count - before.Announced);
            database.Payloads.Skip(before.Announced).ShouldContain(p => p.StartsWith("e|", StringComparison.Ordinal));
            var change = received.Last();
            change.TeamId.ShouldNotBe(Guid.Empty);
            change.EnvironmentId.ShouldBe(id);
        }
        finally
        {
            await feed.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void A_trigger_payload_reads_back_as_the_change()
    {
        var id = Guid.NewGuid();
        var team = Guid.NewGuid();
        var environment = Guid.NewGuid();
        LifecycleChangeFeed.Parse($"e|{id}|{team}|{id}|1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Environment, id, team, id));
        LifecycleChangeFeed.Parse($"r|{id}|{team}||1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Request, id, team, null));
        LifecycleChangeFeed.Parse($"n|{id}|||1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Notification, id, Guid.Empty, null));
        LifecycleChangeFeed.Parse($"d|{id}|{team}|{id}|1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Environment, id, team, id));
        LifecycleChangeFeed.Parse($"c|{id}|||1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Campaign, id, Guid.Empty, null));
        LifecycleChangeFeed.Parse($"t|{id}|{team}|{environment}|1765000000000000").ShouldBe(new LifecycleChange(LifecycleChangeKind.Campaign, id, team, environment));
        LifecycleChangeFeed.Parse($"e|{id}|{team}|{id}").ShouldBeNull(); // 0015's payload, before versions
        LifecycleChangeFeed.Parse("x|nonsense").ShouldBeNull();
        LifecycleChangeFeed.Version(DateTimeOffset.UnixEpoch.AddSeconds(1)).ShouldBe(1_000_000);
    }

    /// <summary>What <c>EnvironmentsPage</c> does with a live row, without a circuit.</summary>
    private sealed class ListeningPage(EnvironmentQueries queries, LifecycleActor actor, EnvironmentFilter filter)
    {
        private readonly ConcurrentDictionary<Guid, int> _delivered = new();
        private readonly SemaphoreSlim _gate = new(1, 1);
        private int _reloads;

        public List<EnvironmentSummary> Shown { get; private set; } = [];

        public int Reloads => Volatile.Read(ref _reloads);

        public int Delivered(Guid id) => _delivered.GetValueOrDefault(id);

        public async Task LoadAsync() =>
            Shown = [.. (await queries.ListAsync(actor, filter, EnvironmentOrder.Newest, 0, 25, CancellationToken.None)).Items];

        public async Task OnChangeAsync(EnvironmentRowChange change)
        {
            if (change.Id != Guid.Empty && !actor.CanSee(change.TeamId))
            {
                return;
            }

            await _gate.WaitAsync();
            try
            {
                _delivered.AddOrUpdate(change.Id, 1, (_, n) => n + 1);
                switch (EnvironmentsLiveList.Decide(Shown, true, 25, filter, EnvironmentOrder.Newest, change.Id, change.Row))
                {
                    case LiveRowAction.Replace:
                        Shown[EnvironmentsLiveList.IndexOf(Shown, change.Id)] = change.Row!;
                        break;
                    case LiveRowAction.Reload:
                        Interlocked.Increment(ref _reloads);
                        await LoadAsync();
                        break;
                    case LiveRowAction.Ignore:
                    default:
                        break;
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
