using System.Globalization;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The cost pages' chart labels (money itself is <see cref="Components.Shared.Format"/>'s): compact axis amounts, months,
/// days, AWS service names as people say them, kinds of waste, and an environment as <c>team/name</c> (names repeat across teams).
/// </summary>
public static class CostFormat
{
    private static readonly CultureInfo Usd = CultureInfo.GetCultureInfo("en-US");

    /// <summary>An environment on a chart or in a table: names are unique within a team only.</summary>
    public static string Environment(string team, string name) => $"{team}/{name}";

    public static string Compact(double usd) =>
        Math.Abs(usd) >= 1_000_000 ? (usd / 1_000_000).ToString("$0.#M", Usd)
        : Math.Abs(usd) >= 1_000 ? (usd / 1_000).ToString("$0.#k", Usd)
        : usd.ToString(Math.Abs(usd) >= 10 || usd == 0 ? "$0" : "$0.##", Usd);

    /// <summary>"2026-11" → "Nov 2026" (a two-digit year read as a day: "Dec 25" for December 2025).</summary>
    public static string Month(string month) =>
        DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d.ToString("MMM yyyy", Usd) : month;

    /// <summary>A day on a chart axis, ISO without the year ("11-28"); tables use the full ISO date.</summary>
    public static string Day(DateOnly date) => date.ToString("MM-dd", CultureInfo.InvariantCulture);

    public static string Percent(decimal? value) => value is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    /// <summary>An AWS service on a chart's axis: as people say it (<see cref="ServiceName"/>), cut past 18 characters.</summary>
    public static string Service(string service)
    {
        var text = ServiceName(service);
        return text.Length > 18 ? text[..17] + "…" : text;
    }

    /// <summary>
    /// An AWS service as people say it ("AmazonCloudWatch" → "CloudWatch", "Amazon Relational Database Service" → "RDS"),
    /// wherever the portal names one: the charts, the tables under them and the environment's cost panel say the same name.
    /// Cost Explorer's own name stays in exports, the API and the tooltip.
    /// </summary>
    public static string ServiceName(string service) =>
        ServiceNames.TryGetValue(service, out var known)
            ? known
            : service.Replace("Amazon ", "", StringComparison.Ordinal).Replace("AWS ", "", StringComparison.Ordinal);

    /// <summary>
    /// Services that go by one name summed as one row ("Amazon Elastic Load Balancing" and "Elastic Load Balancing" are both
    /// "Load balancing": two identical rows and bars otherwise), named by it; a service alone keeps Cost Explorer's name (the
    /// table's tooltip). Costliest first.
    /// </summary>
    public static IReadOnlyList<SpendShare> ByServiceName(IReadOnlyList<SpendShare> services) =>
        [.. services.GroupBy(s => ServiceName(s.Key), StringComparer.Ordinal)
            .Select(g => g.Count() == 1 ? g.Single() : new SpendShare(g.Key, g.Sum(s => s.AmountUsd), g.Sum(s => s.Percent)))
            .OrderByDescending(s => s.AmountUsd).ThenBy(s => s.Key, StringComparer.Ordinal)];

    public static string Waste(string kind) => kind switch
    {
        WasteKinds.Destroyed => "Destroyed, billing",
        WasteKinds.Expired => "Expired",
        WasteKinds.Stopped => "Stopped",
        WasteKinds.Unallocated => "Unallocated",
        _ => kind,
    };

    private static readonly Dictionary<string, string> ServiceNames = new(StringComparer.Ordinal)
    {
        ["Amazon Simple Storage Service"] = "S3",
        ["Amazon Relational Database Service"] = "RDS",
        ["Amazon Elastic Compute Cloud - Compute"] = "EC2 compute",
        ["EC2 - Other"] = "EC2 other",
        ["Amazon Elastic Container Service"] = "ECS",
        ["Amazon Elastic Load Balancing"] = "Load balancing",
        ["Elastic Load Balancing"] = "Load balancing",
        ["AWS Key Management Service"] = "KMS",
        ["Amazon Virtual Private Cloud"] = "VPC",
        ["AmazonCloudWatch"] = "CloudWatch",
        ["Amazon CloudFront"] = "CloudFront",
        ["Amazon ElastiCache"] = "ElastiCache",
        ["AWS Secrets Manager"] = "Secrets Manager",
        ["AWS ApplicationAutoScaling"] = "Auto Scaling",
        ["Amazon DynamoDB"] = "DynamoDB",
        ["AWS Lambda"] = "Lambda",
    };
}
