using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>Every dashboard table as CSV (header row first): what <c>GET /api/v1/costs/export.csv?view=</c> returns.</summary>
public static class CostDashboardExport
{
    public const string Monthly = "monthly";
    public const string Teams = "teams";
    public const string Tiers = "tiers";
    public const string Services = "services";
    public const string TopEnvironments = "top-environments";
    public const string Daily = "daily";
    public const string Estimates = "estimates";
    public const string Templates = "templates";
    public const string Approvers = "approvers";
    public const string Waste = "waste";

    /// <summary>Rows in the top-environments view.</summary>
    public const int TopCount = 10;

    public static IReadOnlyList<string> Views { get; } = [Monthly, Teams, Tiers, Services, TopEnvironments, Daily, Estimates, Templates, Approvers, Waste];

    /// <summary>The view's table as CSV; null for a view that does not exist.</summary>
    public static async Task<CostCsv?> ExportAsync(CostDashboardQueries queries, string view, LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queries);
        switch (view)
        {
            case Monthly:
                var monthly = await queries.MonthlyByTeamAsync(actor, filter, cancellationToken);
                return Fill(new CostCsv("month", "team", "amount_usd"), monthly.Rows, r => [r.Month, r.Team, r.AmountUsd]);
            case Teams:
                return Shares("team", await queries.ByTeamAsync(actor, filter, cancellationToken));
            case Tiers:
                return Shares("tier", await queries.ByTierAsync(actor, filter, cancellationToken));
            case Services:
                return Shares("service", await queries.ByServiceAsync(actor, filter, cancellationToken));
            case TopEnvironments:
                return Fill(new CostCsv("environment_id", "environment", "team", "template", "tier", "status", "amount_usd"),
                    await queries.TopEnvironmentsAsync(actor, filter, TopCount, cancellationToken), e => [e.EnvironmentId, e.Name, e.Team, e.Template, e.Tier, e.Status, e.AmountUsd]);
            case Daily:
                return Fill(new CostCsv("date", "amount_usd"), await queries.DailyTrendAsync(actor, filter, cancellationToken), d => [d.Date, d.AmountUsd]);
            case Estimates:
                return Fill(
                    new CostCsv("environment_id", "environment", "team", "template", "tier", "status", "days", "monthly_estimate_usd", "estimate_usd", "actual_usd", "variance_usd", "accuracy_percent"),
                    await queries.EstimateVsActualAsync(actor, filter, cancellationToken),
                    e => [e.EnvironmentId, e.Name, e.Team, e.Template, e.Tier, e.Status, e.Days, e.MonthlyEstimateUsd, e.EstimateUsd, e.ActualUsd, e.VarianceUsd, e.AccuracyPercent]);
            case Templates:
                return Fill(new CostCsv("template", "environments", "estimate_usd", "actual_usd", "variance_usd", "accuracy_percent"),
                    await queries.EstimateVsActualByTemplateAsync(actor, filter, cancellationToken),
                    t => [t.Template, t.Environments, t.EstimateUsd, t.ActualUsd, t.VarianceUsd, t.AccuracyPercent]);
            case Approvers:
                return Fill(new CostCsv("approver", "environments", "approved_usd", "actual_usd", "variance_usd", "accuracy_percent"),
                    await queries.ApprovedVsRealisedAsync(actor, filter, cancellationToken),
                    a => [a.Approver, a.Environments, a.ApprovedUsd, a.ActualUsd, a.VarianceUsd, a.AccuracyPercent]);
            case Waste:
                return Fill(new CostCsv("kind", "environment_id", "name", "team", "status", "since", "amount_usd"),
                    (await queries.WasteAsync(actor, filter, cancellationToken)).Items,
                    w => [w.Kind, w.EnvironmentId, w.Name, w.Team, w.Status, w.Since, w.AmountUsd]);
            default:
                return null;
        }
    }

    private static CostCsv Shares(string key, IReadOnlyList<SpendShare> shares) =>
        Fill(new CostCsv(key, "amount_usd", "percent"), shares, s => [s.Key, s.AmountUsd, s.Percent]);

    private static CostCsv Fill<T>(CostCsv csv, IEnumerable<T> rows, Func<T, object?[]> cells)
    {
        foreach (var row in rows)
        {
            csv.Row(cells(row));
        }

        return csv;
    }
}
