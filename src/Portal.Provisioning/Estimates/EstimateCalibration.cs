using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Estimates;

/// <summary>
/// How far estimates have been from what environments really cost, per template and tier: actual ÷ estimate over
/// environments' full calendar months (the per-environment month rollups of the cost facts, unblended, every account), the
/// estimate being the environment's monthly estimate scaled to the month's hours (estimates are for 730 hours).
/// Computed once and cached; recomputed when a cost ingestion run has finished since (never per keystroke).
/// </summary>
public sealed class EstimateCalibration(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider, IOptions<EstimateCalibrationOptions> options)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile CalibrationSnapshot? _snapshot;

    /// <summary>The cached figures, recomputed first when an ingestion run finished after they were computed.</summary>
    public async Task<CalibrationSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var ingested = await LastIngestionAsync(db, cancellationToken);
            if (_snapshot is { } current && current.IngestedAt == ingested)
            {
                return current;
            }
        }

        return await RefreshAsync(cancellationToken);
    }

    /// <summary>Recomputes the figures now.</summary>
    public async Task<CalibrationSnapshot> RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            var ingested = await LastIngestionAsync(db, cancellationToken);
            if (_snapshot is { } current && current.IngestedAt == ingested && ingested is not null)
            {
                return current;
            }

            var snapshot = await ComputeAsync(db, ingested, cancellationToken);
            _snapshot = snapshot;
            return snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private static Task<DateTimeOffset?> LastIngestionAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        db.CostIngestionRuns.AsNoTracking()
            .Where(r => r.Status == CostIngestionStatus.Succeeded && r.FinishedAt != null)
            .OrderByDescending(r => r.FinishedAt)
            .Select(r => r.FinishedAt)
            .FirstOrDefaultAsync(cancellationToken);

    private async Task<CalibrationSnapshot> ComputeAsync(PortalDbContext db, DateTimeOffset? ingested, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        var months = await (
                from m in db.CostEnvironmentMonths.AsNoTracking()
                where m.Month < thisMonth
                join e in db.Environments.AsNoTracking() on m.EnvironmentId equals e.Id
                select new { m.EnvironmentId, m.Month, m.UnblendedUsd, e.TemplateSlug, e.Tier, e.CreatedAt, e.DestroyedAt, e.MonthlyEstimateUsd })
            .ToListAsync(cancellationToken);

        var samples = months
            .GroupBy(m => (m.EnvironmentId, m.Month))
            .Select(g => (Row: g.First(), ActualUsd: g.Sum(m => m.UnblendedUsd)))
            .Where(s => s.Row.MonthlyEstimateUsd > 0 && FullMonth(s.Row.Month, s.Row.CreatedAt, s.Row.DestroyedAt))
            .Select(s => (s.Row.TemplateSlug, Tier: s.Row.Tier.Slug(), s.Row.EnvironmentId,
                Ratio: s.ActualUsd / (s.Row.MonthlyEstimateUsd * HoursIn(s.Row.Month) / 730m)));

        var minimum = options.Value.MinimumSamples;
        var figures = samples
            .GroupBy(s => (s.TemplateSlug, s.Tier))
            .Select(g => Figure(g.Key.TemplateSlug, g.Key.Tier, [.. g.Select(s => s.Ratio)], g.Select(s => s.EnvironmentId).Distinct().Count(), minimum))
            .OrderBy(f => f.Template, StringComparer.Ordinal).ThenBy(f => f.Tier, StringComparer.Ordinal)
            .ToList();
        return new CalibrationSnapshot(now, ingested, minimum, figures);
    }

    // The environment existed from the month's first instant to past its last (a partial month would compare a part with a whole).
    private static bool FullMonth(DateOnly month, DateTimeOffset created, DateTimeOffset? destroyed)
    {
        var start = new DateTimeOffset(month.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return created <= start && (destroyed is null || destroyed >= start.AddMonths(1));
    }

    private static decimal HoursIn(DateOnly month) => DateTime.DaysInMonth(month.Year, month.Month) * 24m;

    private static CalibrationFigure Figure(string template, string tier, List<decimal> ratios, int environments, int minimum)
    {
        ratios.Sort();
        return new CalibrationFigure(
            template, tier, ratios.Count, environments, ratios.Count >= minimum,
            Round(Percentile(ratios, 0.5m)), Round(Percentile(ratios, 0.25m)), Round(Percentile(ratios, 0.75m)), Round(ratios[0]), Round(ratios[^1]));
    }

    // Linear interpolation between the closest ranks (ratios sorted, at least one).
    private static decimal Percentile(List<decimal> sorted, decimal p)
    {
        var rank = p * (sorted.Count - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }

    private static decimal Round(decimal ratio) => Math.Round(ratio, 2, MidpointRounding.AwayFromZero);
}

/// <summary>Calibration settings (configuration section <c>Pricing:Calibration</c>).</summary>
public sealed class EstimateCalibrationOptions
{
    public const string SectionName = "Pricing:Calibration";

    /// <summary>Environment-months a template and tier need before their ratio is shown next to estimates (1–10,000, default 5).</summary>
    public int MinimumSamples { get; set; } = 5;
}

internal sealed class EstimateCalibrationOptionsValidator : IValidateOptions<EstimateCalibrationOptions>
{
    public ValidateOptionsResult Validate(string? name, EstimateCalibrationOptions options) =>
        options.MinimumSamples is >= 1 and <= 10_000
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{EstimateCalibrationOptions.SectionName}:{nameof(EstimateCalibrationOptions.MinimumSamples)}: {options.MinimumSamples} is not between 1 and 10,000.");
}

/// <summary>Every template and tier with at least one full month of history; <see cref="For"/> answers only those with enough.</summary>
public sealed record CalibrationSnapshot(DateTimeOffset ComputedAt, DateTimeOffset? IngestedAt, int MinimumSamples, IReadOnlyList<CalibrationFigure> Figures)
{
    /// <summary>The figure for a template and tier when it has at least <see cref="MinimumSamples"/> environment-months, else null.</summary>
    public CalibrationFigure? For(string template, string tier) =>
        Figures.FirstOrDefault(f => f.Enough && string.Equals(f.Template, template, StringComparison.Ordinal) && string.Equals(f.Tier, tier, StringComparison.Ordinal));

    /// <summary>Templates and tiers with enough history, worst estimated first (furthest from 1× either way).</summary>
    public IReadOnlyList<CalibrationFigure> Worst() =>
        [.. Figures.Where(f => f.Enough).OrderByDescending(f => f.Distance).ThenBy(f => f.Template, StringComparer.Ordinal).ThenBy(f => f.Tier, StringComparer.Ordinal)];
}

/// <summary>
/// Actual ÷ estimate for one template and tier: the median, the middle half (<see cref="P25"/>–<see cref="P75"/>) and the extremes
/// over <see cref="N"/> environment-months of <see cref="Environments"/> environments.
/// </summary>
public sealed record CalibrationFigure(
    string Template, string Tier, int N, int Environments, bool Enough, decimal Median, decimal P25, decimal P75, decimal Min, decimal Max)
{
    /// <summary>How far off the estimates are, either way: 0.5× and 2× are equally far.</summary>
    public double Distance => Median <= 0 ? double.MaxValue : Math.Abs(Math.Log((double)Median));

    /// <summary>"environments like this have cost 0.92× the estimate, n = 37".</summary>
    public string Sentence => string.Create(CultureInfo.InvariantCulture, $"environments like this have cost {Median:0.00}× the estimate, n = {N}");

    /// <summary>"middle half 0.85–1.04×".</summary>
    public string Spread => string.Create(CultureInfo.InvariantCulture, $"middle half {P25:0.00}–{P75:0.00}×");
}
