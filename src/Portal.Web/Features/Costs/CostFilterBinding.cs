using System.Globalization;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// Reads a <see cref="CostFilter"/> from query values (the API's and the dashboards page's, so a bookmarked page and an export
/// agree): <c>from</c>/<c>to</c> as <c>yyyy-MM-dd</c> (default: the month to date), <c>team</c> as comma-separated slugs,
/// <c>tier</c> (dev, staging, prod), <c>account</c> (12 digits). Errors are keyed by the query field.
/// </summary>
public static class CostFilterBinding
{
    /// <summary>Longest range a filter may span: about 13 months, what ingestion keeps.</summary>
    public const int MaxDays = CostEndpoints.MaxDays;

    public static (CostFilter? Filter, Dictionary<string, string[]> Errors) Parse(
        string? from, string? to, string? team, string? tier, string? account, IReadOnlyDictionary<string, Guid> teamsBySlug, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(teamsBySlug);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var okFrom = TryDate(from, new DateOnly(today.Year, today.Month, 1), out var start);
        var okTo = TryDate(to, today, out var end);
        if (!okFrom)
        {
            errors["from"] = ["from must be a date (yyyy-MM-dd)."];
        }

        if (!okTo)
        {
            errors["to"] = ["to must be a date (yyyy-MM-dd)."];
        }

        if (okFrom && okTo)
        {
            if (start > end)
            {
                errors["from"] = [$"from ({start:yyyy-MM-dd}) is after to ({end:yyyy-MM-dd})."];
            }
            else if (end.DayNumber - start.DayNumber + 1 > MaxDays)
            {
                errors["to"] = [$"The range is at most {MaxDays} days; {start:yyyy-MM-dd} to {end:yyyy-MM-dd} is {end.DayNumber - start.DayNumber + 1}."];
            }
        }

        var teamIds = new List<Guid>();
        foreach (var slug in (team ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (teamsBySlug.TryGetValue(slug, out var id))
            {
                teamIds.Add(id);
            }
            else
            {
                errors["team"] = [$"There is no team '{(slug.Length > 60 ? slug[..60] + "…" : slug)}'."];
            }
        }

        EnvironmentTier? tierValue = null;
        if (!string.IsNullOrWhiteSpace(tier))
        {
            tierValue = tier.Trim().ToLowerInvariant() switch
            {
                "dev" => EnvironmentTier.Dev,
                "staging" => EnvironmentTier.Staging,
                "prod" => EnvironmentTier.Prod,
                _ => null,
            };
            if (tierValue is null)
            {
                errors["tier"] = ["tier must be dev, staging or prod."];
            }
        }

        string? accountId = null;
        if (!string.IsNullOrWhiteSpace(account))
        {
            accountId = account.Trim();
            if (accountId.Length != 12 || !accountId.All(char.IsAsciiDigit))
            {
                errors["account"] = ["account must be a 12-digit AWS account id."];
            }
        }

        return errors.Count > 0 ? (null, errors) : (new CostFilter(start, end, teamIds.Count > 0 ? teamIds : null, tierValue, accountId), errors);
    }

    private static bool TryDate(string? value, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            date = fallback;
            return true;
        }

        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}
