using System.Globalization;
using System.Text.Json.Serialization;

namespace Portal.Provisioning.Aws.CostExplorer;

// Request and response records for the Cost Explorer operations Portal uses; member names follow the service
// model (ce-2017-10-25). Amounts arrive as strings ("12.3456") and are read as decimals with the invariant culture.

/// <summary>Start inclusive, End exclusive: "yyyy-MM-dd", or "yyyy-MM-ddTHH:mm:ssZ" for HOURLY granularity.</summary>
public sealed record DateInterval(string Start, string End)
{
    public static DateInterval Days(DateOnly start, DateOnly endExclusive) =>
        new(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), endExclusive.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

    public static DateInterval Hours(DateTimeOffset start, DateTimeOffset endExclusive) =>
        new(start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            endExclusive.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));

    [JsonIgnore]
    public DateOnly StartDate => DateOnly.ParseExact(Start[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);

    [JsonIgnore]
    public DateOnly EndDate => DateOnly.ParseExact(End[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

public sealed record DimensionValues(string Key, IReadOnlyList<string> Values, IReadOnlyList<string>? MatchOptions = null);

public sealed record TagValues(string Key, IReadOnlyList<string> Values, IReadOnlyList<string>? MatchOptions = null);

public sealed record CostCategoryValues(string Key, IReadOnlyList<string> Values, IReadOnlyList<string>? MatchOptions = null);

/// <summary>A filter: exactly one of And, Or, Not, Dimensions, Tags, CostCategories.</summary>
public sealed record Expression
{
    public IReadOnlyList<Expression>? Or { get; init; }

    public IReadOnlyList<Expression>? And { get; init; }

    public Expression? Not { get; init; }

    public DimensionValues? Dimensions { get; init; }

    public TagValues? Tags { get; init; }

    public CostCategoryValues? CostCategories { get; init; }

    /// <summary>A dimension (SERVICE, LINKED_ACCOUNT, REGION, ...) equal to one of the values.</summary>
    public static Expression Dimension(string key, params string[] values) => new() { Dimensions = new DimensionValues(key, values) };

    /// <summary>A cost allocation tag equal to one of the values.</summary>
    public static Expression Tag(string key, params string[] values) => new() { Tags = new TagValues(key, values) };

    public static Expression AllOf(params Expression[] expressions) => new() { And = expressions };

    public static Expression AnyOf(params Expression[] expressions) => new() { Or = expressions };

    public static Expression Negate(Expression expression) => new() { Not = expression };
}

/// <summary>Type DIMENSION | TAG | COST_CATEGORY, and the dimension or tag key.</summary>
public sealed record GroupDefinition(string Type, string Key)
{
    public static GroupDefinition Dimension(string key) => new("DIMENSION", key);

    public static GroupDefinition Tag(string key) => new("TAG", key);
}

public sealed record GetCostAndUsageRequest
{
    public required DateInterval TimePeriod { get; init; }

    /// <summary><see cref="Granularity"/> value.</summary>
    public required string Granularity { get; init; }

    public Expression? Filter { get; init; }

    /// <summary>PascalCase metric names (<see cref="CostMetric"/>), e.g. UnblendedCost.</summary>
    public required IReadOnlyList<string> Metrics { get; init; }

    public IReadOnlyList<GroupDefinition>? GroupBy { get; init; }

    public string? BillingViewArn { get; init; }

    public string? NextPageToken { get; init; }
}

public sealed record MetricValue(decimal Amount, string? Unit);

public sealed record Group
{
    public IReadOnlyList<string> Keys { get; init; } = [];

    public IReadOnlyDictionary<string, MetricValue> Metrics { get; init; } = new Dictionary<string, MetricValue>();
}

public sealed record ResultByTime
{
    public DateInterval? TimePeriod { get; init; }

    public IReadOnlyDictionary<string, MetricValue> Total { get; init; } = new Dictionary<string, MetricValue>();

    public IReadOnlyList<Group> Groups { get; init; } = [];

    /// <summary>Recent days are estimates and get revised (billing data refreshes up to three times a day).</summary>
    public bool Estimated { get; init; }
}

public sealed record DimensionValuesWithAttributes
{
    public string? Value { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

public sealed record GetCostAndUsageResponse
{
    public string? NextPageToken { get; init; }

    public IReadOnlyList<GroupDefinition> GroupDefinitions { get; init; } = [];

    public IReadOnlyList<ResultByTime> ResultsByTime { get; init; } = [];

    public IReadOnlyList<DimensionValuesWithAttributes> DimensionValueAttributes { get; init; } = [];
}

public sealed record GetCostForecastRequest
{
    public required DateInterval TimePeriod { get; init; }

    /// <summary>UPPER_SNAKE (<see cref="ForecastMetric"/>), unlike GetCostAndUsage's Metrics.</summary>
    public required string Metric { get; init; }

    public required string Granularity { get; init; }

    public Expression? Filter { get; init; }

    public string? BillingViewArn { get; init; }

    /// <summary>51 to 99.</summary>
    public int? PredictionIntervalLevel { get; init; }
}

public sealed record ForecastResult
{
    public DateInterval? TimePeriod { get; init; }

    public decimal? MeanValue { get; init; }

    public decimal? PredictionIntervalLowerBound { get; init; }

    public decimal? PredictionIntervalUpperBound { get; init; }
}

public sealed record GetCostForecastResponse
{
    public MetricValue? Total { get; init; }

    public IReadOnlyList<ForecastResult> ForecastResultsByTime { get; init; } = [];
}

public sealed record SortDefinition(string Key, string? SortOrder = null);

public sealed record GetTagsRequest
{
    public string? SearchString { get; init; }

    public required DateInterval TimePeriod { get; init; }

    /// <summary>Null lists tag keys; set, lists that key's values.</summary>
    public string? TagKey { get; init; }

    public Expression? Filter { get; init; }

    public IReadOnlyList<SortDefinition>? SortBy { get; init; }

    public string? BillingViewArn { get; init; }

    public int? MaxResults { get; init; }

    public string? NextPageToken { get; init; }
}

public sealed record GetTagsResponse
{
    public string? NextPageToken { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public int ReturnSize { get; init; }

    public int TotalSize { get; init; }
}

/// <summary>Status Active | Inactive.</summary>
public sealed record CostAllocationTagStatusEntry(string TagKey, string Status);

public sealed record UpdateCostAllocationTagsStatusRequest(IReadOnlyList<CostAllocationTagStatusEntry> CostAllocationTagsStatus);

public sealed record UpdateCostAllocationTagsStatusError(string? TagKey, string? Code, string? Message);

public sealed record UpdateCostAllocationTagsStatusResponse
{
    /// <summary>Per-tag failures; the call itself succeeds when some tags fail.</summary>
    public IReadOnlyList<UpdateCostAllocationTagsStatusError> Errors { get; init; } = [];
}

public sealed record ListCostAllocationTagsRequest
{
    /// <summary>Active | Inactive.</summary>
    public string? Status { get; init; }

    public IReadOnlyList<string>? TagKeys { get; init; }

    /// <summary>AWSGenerated | UserDefined.</summary>
    public string? Type { get; init; }

    public string? NextToken { get; init; }

    /// <summary>1 to 1000.</summary>
    public int? MaxResults { get; init; }
}

public sealed record CostAllocationTag
{
    public required string TagKey { get; init; }

    public required string Type { get; init; }

    public required string Status { get; init; }

    public DateTimeOffset? LastUpdatedDate { get; init; }

    public DateTimeOffset? LastUsedDate { get; init; }
}

public sealed record ListCostAllocationTagsResponse
{
    public IReadOnlyList<CostAllocationTag> CostAllocationTags { get; init; } = [];

    public string? NextToken { get; init; }
}

public static class Granularity
{
    public const string Daily = "DAILY";
    public const string Monthly = "MONTHLY";
    public const string Hourly = "HOURLY";
}

/// <summary>GetCostAndUsage metric names (PascalCase).</summary>
public static class CostMetric
{
    public const string UnblendedCost = "UnblendedCost";
    public const string BlendedCost = "BlendedCost";
    public const string AmortizedCost = "AmortizedCost";
    public const string NetUnblendedCost = "NetUnblendedCost";
    public const string NetAmortizedCost = "NetAmortizedCost";
    public const string UsageQuantity = "UsageQuantity";
    public const string NormalizedUsageAmount = "NormalizedUsageAmount";
}

/// <summary>GetCostForecast metric names (UPPER_SNAKE).</summary>
public static class ForecastMetric
{
    public const string UnblendedCost = "UNBLENDED_COST";
    public const string BlendedCost = "BLENDED_COST";
    public const string AmortizedCost = "AMORTIZED_COST";
    public const string NetUnblendedCost = "NET_UNBLENDED_COST";
    public const string NetAmortizedCost = "NET_AMORTIZED_COST";
}

public static class CostAllocationTagStatus
{
    public const string Active = "Active";
    public const string Inactive = "Inactive";
}
