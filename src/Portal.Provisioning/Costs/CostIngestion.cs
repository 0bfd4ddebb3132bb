using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Reads each configured account's daily costs from Cost Explorer (UnblendedCost and AmortizedCost, grouped by the
/// <c>portal:environment-id</c> tag and by SERVICE) and upserts them as <see cref="CostFact"/>s. A first run backfills
/// <see cref="CostOptions.BackfillDays"/>; later runs read from the last run's end, re-reading the last
/// <see cref="CostOptions.RestateDays"/> days that Cost Explorer revises. Re-running a window changes nothing.
/// </summary>
/// <remarks>
/// One query per window returns every environment and service (pages of up to ~1,000 groups), so the billed calls grow with
/// groups / 1,000, not with environments. Every call is counted on the run row (and by <see cref="AwsUsageTracker"/>).
/// </remarks>
public sealed partial class CostIngestion(
    IDbContextFactory<PortalDbContext> contextFactory,
    ICostExplorerClientFactory clients,
    AwsAccountDirectory accounts,
    IOptions<CostOptions> options,
    TimeProvider timeProvider,
    ILogger<CostIngestion> logger)
{
    private const string LinkedAccount = "LINKED_ACCOUNT";
    private const string ServiceDimension = "SERVICE";

    /// <summary>Ingests every configured account in turn; an account that fails is recorded as failed and the others still run.</summary>
    public Task<IReadOnlyList<CostIngestionResult>> IngestAllAsync(CancellationToken cancellationToken) => IngestAllAsync(null, cancellationToken);

    /// <summary>
    /// As <see cref="IngestAllAsync(CancellationToken)"/>, reading from <paramref name="readFrom"/> at the latest (within
    /// <see cref="CostOptions.BackfillDays"/>): after past days were billed anew, e.g. by the sandbox's <c>costs backfill</c>.
    /// </summary>
    public async Task<IReadOnlyList<CostIngestionResult>> IngestAllAsync(DateOnly? readFrom, CancellationToken cancellationToken)
    {
        var results = new List<CostIngestionResult>();
        foreach (var accountId in accounts.Accounts.Select(a => a.Id).Distinct(StringComparer.Ordinal))
        {
            results.Add(await IngestAccountAsync(accountId, readFrom, cancellationToken));
        }

        return results;
    }

    public Task<CostIngestionResult> IngestAccountAsync(string accountId, CancellationToken cancellationToken) => IngestAccountAsync(accountId, null, cancellationToken);

    public async Task<CostIngestionResult> IngestAccountAsync(string accountId, DateOnly? readFrom, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var end = DateOnly.FromDateTime(now.UtcDateTime).AddDays(1);
        var earliest = end.AddDays(-settings.BackfillDays);
        CostIngestionRun run;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var lastEnd = await db.CostIngestionRuns
                .Where(r => r.AccountId == accountId && r.Status == CostIngestionStatus.Succeeded)
                .OrderByDescending(r => r.StartedAt).Select(r => (DateOnly?)r.ToDate).FirstOrDefaultAsync(cancellationToken);
            var from = lastEnd is { } last ? Min(last, end).AddDays(-settings.RestateDays) : earliest;
            from = readFrom is { } asked ? Min(from, asked) : from;
            run = CostIngestionRun.Start(accountId, Max(from, earliest), end, now);
            db.CostIngestionRuns.Add(run);
            await db.SaveChangesAsync(cancellationToken);
        }

        var client = clients.Create(accounts.ContextFor(accountId));
        var calls = 0;
        var (inserted, updated, deleted) = (0, 0, 0);
        try
        {
            for (var start = run.FromDate; start < run.ToDate; start = start.AddDays(settings.WindowDays))
            {
                var stop = Min(start.AddDays(settings.WindowDays), run.ToDate);
                var (rows, pages) = await ReadWindowAsync(client, accountId, start, stop, cancellationToken);
                calls += pages;
                var (i, u, d) = await UpsertWindowAsync(accountId, start, stop, rows, cancellationToken);
                (inserted, updated, deleted) = (inserted + i, updated + u, deleted + d);
            }

            await FinishAsync(run.Id, r => r.Succeed(calls, inserted, updated, deleted, timeProvider.GetUtcNow()), cancellationToken);
            LogIngested(accountId, run.FromDate, run.ToDate, calls, inserted, updated, deleted);
            return new CostIngestionResult(run.Id, accountId, run.FromDate, run.ToDate, CostIngestionStatus.Succeeded, calls, inserted, updated, deleted, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Recorded on the run row; the window is re-read by the next run, since only successful runs move the start.
            await FinishAsync(run.Id, r => r.Fail(calls, $"{e.GetType().Name}: {e.Message}", timeProvider.GetUtcNow()), CancellationToken.None);
            LogFailed(e, accountId);
            return new CostIngestionResult(run.Id, accountId, run.FromDate, run.ToDate, CostIngestionStatus.Failed, calls, inserted, updated, deleted, e.Message);
        }
    }

    private static async Task<(Dictionary<(DateOnly Date, string Tag, string Service), CostAmounts> Rows, int Pages)> ReadWindowAsync(
        ICostExplorerClient client, string accountId, DateOnly start, DateOnly stop, CancellationToken cancellationToken)
    {
        var request = new GetCostAndUsageRequest
        {
            TimePeriod = DateInterval.Days(start, stop),
            Granularity = Granularity.Daily,
            Metrics = [CostMetric.UnblendedCost, CostMetric.AmortizedCost],
            GroupBy = [GroupDefinition.Tag(PortalStackTags.EnvironmentId), GroupDefinition.Dimension(ServiceDimension)],
            Filter = Expression.Dimension(LinkedAccount, accountId),
        };
        var rows = new Dictionary<(DateOnly, string, string), CostAmounts>();
        var pages = 0;
        await foreach (var page in client.GetCostAndUsagePagesAsync(request, cancellationToken))
        {
            pages++;
            foreach (var result in page.ResultsByTime)
            {
                var date = result.TimePeriod?.StartDate ?? throw new InvalidDataException("Cost Explorer returned a result without a TimePeriod.");
                foreach (var group in result.Groups)
                {
                    if (group.Keys.Count != 2)
                    {
                        throw new InvalidDataException($"Cost Explorer returned a group with {group.Keys.Count} keys; expected tag and service.");
                    }

                    // Pages split a day's groups between them (the day's ResultByTime repeats); each group comes once.
                    rows[(date, TagValue(group.Keys[0]), group.Keys[1])] =
                        new CostAmounts(Amount(group, CostMetric.UnblendedCost), Amount(group, CostMetric.AmortizedCost), result.Estimated);
                }
            }
        }

        return (rows, pages);
    }

    private async Task<(int Inserted, int Updated, int Deleted)> UpsertWindowAsync(
        string accountId, DateOnly start, DateOnly stop, Dictionary<(DateOnly Date, string Tag, string Service), CostAmounts> rows, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environmentIds = rows.Keys.Select(k => Guid.TryParse(k.Tag, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct().ToList();
        var environments = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id))
            .Select(e => new { e.Id, e.TeamId, e.Tier }).ToDictionaryAsync(e => e.Id, cancellationToken);
        if (db.Database.IsNpgsql())
        {
            var allocations = environments.ToDictionary(e => e.Key, e => (e.Value.TeamId, e.Value.Tier));

            // Its own transaction: one retriable unit of the execution strategy.
            return await SerializedWork.RetriableAsync(db, token => BulkUpsertAsync(db, accountId, start, stop, rows, allocations, now, token), cancellationToken);
        }

        // SQLite (the embedded default, small by nature): load the window, diff, save through the change tracker.
        var existing = await db.CostFacts.Where(f => f.AccountId == accountId && f.Date >= start && f.Date < stop).ToListAsync(cancellationToken);
        var byKey = existing.ToDictionary(f => (f.Date, f.EnvironmentTag, f.Service));
        var (inserted, updated) = (0, 0);
        foreach (var ((date, tag, service), amounts) in rows)
        {
            var allocation = Guid.TryParse(tag, out var id) && environments.TryGetValue(id, out var environment)
                ? new CostAllocation(environment.Id, environment.TeamId, environment.Tier)
                : CostAllocation.Unallocated;
            var rounded = new CostAmounts(Round(amounts.UnblendedUsd), Round(amounts.AmortizedUsd), amounts.Estimated);
            if (byKey.Remove((date, tag, service), out var fact))
            {
                updated += fact.Restate(allocation, rounded, now) ? 1 : 0;
            }
            else
            {
                db.CostFacts.Add(CostFact.Create(date, accountId, tag, service, allocation, rounded, now));
                inserted++;
            }
        }

        // Cost Explorer no longer reports these groups for the window (restated away): the window's figures are its answer.
        db.CostFacts.RemoveRange(byKey.Values);

        // The window's rollups, rebuilt from the saved facts in the same transaction.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await CostRollups.RebuildAsync(db, accountId, start, stop, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (inserted, updated, byKey.Count);
    }

    /// <summary>
    /// PostgreSQL: the window's answer in one statement — arrays unnested, <c>INSERT … ON CONFLICT DO UPDATE</c> only where a
    /// figure or the allocation changed, and the window's facts Cost Explorer no longer reports deleted — in one round trip.
    /// </summary>
    private static async Task<(int Inserted, int Updated, int Deleted)> BulkUpsertAsync(
        PortalDbContext db, string accountId, DateOnly start, DateOnly stop, Dictionary<(DateOnly Date, string Tag, string Service), CostAmounts> rows,
        Dictionary<Guid, (Guid TeamId, EnvironmentTier Tier)> environments, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = rows.Count;
        var (ids, dates, tags, services) = (new Guid[count], new DateOnly[count], new string[count], new string[count]);
        var (environmentIds, teamIds, tiers) = (new Guid?[count], new Guid?[count], new string?[count]);
        var (unblended, amortized, estimated) = (new decimal[count], new decimal[count], new bool[count]);
        var i = 0;
        foreach (var ((date, tag, service), amounts) in rows)
        {
            var environment = Guid.TryParse(tag, out var id) && environments.TryGetValue(id, out var found) ? found : ((Guid TeamId, EnvironmentTier Tier)?)null;
            ids[i] = Guid.CreateVersion7(now);
            (dates[i], tags[i], services[i]) = (date, tag, service);
            if (environment is { } allocated)
            {
                (environmentIds[i], teamIds[i], tiers[i]) = (id, allocated.TeamId, allocated.Tier.Slug());
            }

            (unblended[i], amortized[i], estimated[i]) = (Round(amounts.UnblendedUsd), Round(amounts.AmortizedUsd), amounts.Estimated);
            i++;
        }

        const string Sql = """
            WITH input AS (
                SELECT * FROM unnest(@ids, @dates, @tags, @services, @environments, @teams, @tiers, @unblended, @amortized, @estimated)
                    AS t("Id", "Date", "EnvironmentTag", "Service", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd", "Estimated")
            ), upserted AS (
                INSERT INTO "CostFacts" AS f ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                    "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
                SELECT "Id", "Date", @account, "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd", "Estimated", @now
                FROM input
                ON CONFLICT ("Date", "AccountId", "EnvironmentTag", "Service") DO UPDATE SET
                    "EnvironmentId" = excluded."EnvironmentId", "TeamId" = excluded."TeamId", "Tier" = excluded."Tier",
                    "UnblendedUsd" = excluded."UnblendedUsd", "AmortizedUsd" = excluded."AmortizedUsd", "Estimated" = excluded."Estimated",
                    "IngestedAt" = excluded."IngestedAt"
                WHERE (f."UnblendedUsd", f."AmortizedUsd", f."Estimated", f."EnvironmentId", f."TeamId", f."Tier")
                    IS DISTINCT FROM (excluded."UnblendedUsd", excluded."AmortizedUsd", excluded."Estimated", excluded."EnvironmentId", excluded."TeamId", excluded."Tier")
                RETURNING (xmax = 0) AS inserted
            ), deleted AS (
                DELETE FROM "CostFacts" f
                WHERE f."AccountId" = @account AND f."Date" >= @start AND f."Date" < @stop
                  AND NOT EXISTS (SELECT 1 FROM input i WHERE i."Date" = f."Date" AND i."EnvironmentTag" = f."EnvironmentTag" AND i."Service" = f."Service")
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM upserted WHERE inserted)::int, (SELECT count(*) FROM upserted WHERE NOT inserted)::int, (SELECT count(*) FROM deleted)::int
            """;
        var connection = db.Database.GetDbConnection();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        (int, int, int) counts;
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction.GetDbTransaction();
            command.CommandText = Sql;
            command.CommandTimeout = 300;
            command.AddParameters(("ids", ids), ("dates", dates), ("tags", tags), ("services", services), ("environments", environmentIds),
                ("teams", teamIds), ("tiers", tiers), ("unblended", unblended), ("amortized", amortized), ("estimated", estimated),
                ("account", accountId), ("start", start), ("stop", stop), ("now", now));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            counts = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2));
        }

        // The window's rollups, rebuilt from its facts in the same transaction.
        await CostRollups.RebuildAsync(db, accountId, start, stop, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    private async Task FinishAsync(Guid runId, Action<CostIngestionRun> finish, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var run = await db.CostIngestionRuns.SingleAsync(r => r.Id == runId, cancellationToken);
        finish(run);
        await db.SaveChangesAsync(cancellationToken);
    }

    // Tag group keys read "portal:environment-id$<value>"; "portal:environment-id$" is spend without the tag.
    private static string TagValue(string key)
    {
        var dollar = key.IndexOf('$', StringComparison.Ordinal);
        var value = dollar < 0 ? key : key[(dollar + 1)..];
        return value.Length > CostFact.MaxTagLength ? value[..CostFact.MaxTagLength] : value;
    }

    private static decimal Amount(Group group, string metric) => group.Metrics.TryGetValue(metric, out var value) ? value.Amount : 0m;

    // The stored precision, so a re-read of unchanged figures compares equal.
    private static decimal Round(decimal usd) => decimal.Round(usd, 6, MidpointRounding.AwayFromZero);

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingested costs of account {AccountId} from {From} to {To}: {Calls} Cost Explorer calls, {Inserted} new, {Updated} restated, {Deleted} removed")]
    private partial void LogIngested(string accountId, DateOnly from, DateOnly to, int calls, int inserted, int updated, int deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost ingestion of account {AccountId} failed")]
    private partial void LogFailed(Exception exception, string accountId);
}

/// <summary>How one account's ingestion went: the window, billed Cost Explorer calls, and rows inserted, restated and removed.</summary>
public sealed record CostIngestionResult(
    Guid RunId, string AccountId, DateOnly From, DateOnly To, CostIngestionStatus Status, int Calls, int Inserted, int Updated, int Deleted, string? Error);
