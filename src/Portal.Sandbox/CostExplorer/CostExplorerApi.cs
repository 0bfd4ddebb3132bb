using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CostExplorer;

/// <summary>Cost Explorer's operations (JSON 1.1) over <see cref="BillingEngine"/>'s rows.</summary>
internal sealed class CostExplorerApi(BillingEngine billing, SandboxStore store, IOptions<SandboxOptions> options, ISandboxFaults faults, TimeProvider time)
{
    private static readonly HashSet<string> CostMetrics = new(StringComparer.Ordinal)
    {
        "UnblendedCost", "AmortizedCost", "BlendedCost", "NetUnblendedCost", "NetAmortizedCost", "UsageQuantity", "NormalizedUsageAmount",
    };

    private static readonly HashSet<string> Dimensions = new(StringComparer.Ordinal) { "SERVICE", "LINKED_ACCOUNT", "REGION" };

    /// <summary>Months ahead a forecast may reach (AWS forecasts up to 18 months).</summary>
    public const int MaxForecastMonths = 18;

    public JsonObject Handle(string operation, JsonObject request, CancellationToken cancellationToken) => operation switch
    {
        "GetCostAndUsage" => GetCostAndUsage(request, cancellationToken),
        "GetCostForecast" => GetCostForecast(request, cancellationToken),
        "GetTags" => GetTags(request, cancellationToken),
        "GetDimensionValues" => GetDimensionValues(request, cancellationToken),
        "ListCostAllocationTags" => ListCostAllocationTags(request),
        "UpdateCostAllocationTagsStatus" => UpdateCostAllocationTagsStatus(request),
        _ => throw new SandboxApiException("UnknownOperationException", $"Unknown operation {operation}"),
    };

    private JsonObject GetCostAndUsage(JsonObject request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (start, end) = Period(request);
        var granularity = request["Granularity"]?.ToString() ?? throw Validation("Granularity is required.");
        if (granularity is not ("DAILY" or "MONTHLY"))
        {
            throw Validation($"Granularity {granularity} is not supported by the sandbox (DAILY or MONTHLY).");
        }

        CheckHistory(start, end, DateOnly.FromDateTime(now.UtcDateTime), granularity);

        var metrics = (request["Metrics"] as JsonArray ?? []).Select(m => m?.ToString() ?? "").ToList();
        if (metrics.Count == 0 || metrics.Any(m => !CostMetrics.Contains(m)))
        {
            throw Validation($"Metrics must be a non-empty list of: {string.Join(", ", CostMetrics.Order(StringComparer.Ordinal))}.");
        }

        var groupBy = (request["GroupBy"] as JsonArray ?? []).Select(g => (Type: g?["Type"]?.ToString() ?? "", Key: g?["Key"]?.ToString() ?? "")).ToList();
        if (groupBy.Count > 2)
        {
            throw Validation("You can only group by up to two different groups.");
        }

        foreach (var (type, key) in groupBy)
        {
            if (!(type == "TAG" && key.Length > 0) && !(type == "DIMENSION" && Dimensions.Contains(key)))
            {
                throw Validation($"Group Definition dimension is invalid: {type} {key}. Valid values are TAG:<key> and DIMENSION:{string.Join("|", Dimensions)}.");
            }
        }

        var filter = request["Filter"] as JsonObject;
        var active = ActiveTags();
        var periods = Periods(start, end, granularity);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var pageSize = options.Value.CostExplorerPageSize;
        var first = 0;
        if (request["NextPageToken"]?.ToString() is { } token)
        {
            first = ParseToken(token);
            if (first < 0 || first >= periods.Count)
            {
                throw new SandboxApiException("InvalidNextTokenException", "The NextPageToken is invalid.");
            }
        }

        // A page holds whole periods: a day (or month) is never split across pages. Periods are added until the next one's
        // groups would pass the page size (a single period larger than a page still goes alone), so a page costs the work of
        // that page and one more period. Every period on a page has its ResultsByTime entry, with or without groups.
        var shown = new List<(int Period, decimal Total, List<(List<string> Keys, decimal Amount)> Groups)>();
        var grouped = 0;
        var next = first;
        for (; next < periods.Count; next++)
        {
            var rows = new List<CostRow>();
            for (var day = periods[next].Start; day < periods[next].End; day = day.AddDays(1))
            {
                cancellationToken.ThrowIfCancellationRequested();
                rows.AddRange(billing.Rows(day, now).Where(r => Matches(filter, r, active)));
            }

            var groups = groupBy.Count == 0
                ? []
                : rows.GroupBy(r => string.Join("\u0001", groupBy.Select(g => GroupKey(g.Type, g.Key, r, active))))
                    .OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => (Keys: g.Key.Split('\u0001').ToList(), Amount: g.Sum(r => r.Amount)))
                    .ToList();
            if (shown.Count > 0 && grouped + groups.Count > pageSize)
            {
                break;
            }

            grouped += groups.Count;
            shown.Add((next, rows.Sum(r => r.Amount), groups));
        }

        var response = new JsonObject();
        response["GroupDefinitions"] = new JsonArray([.. groupBy.Select(g => (JsonNode)new JsonObject { ["Type"] = g.Type, ["Key"] = g.Key })]);
        response["ResultsByTime"] = new JsonArray([.. shown.Select(x => (JsonNode)new JsonObject
        {
            ["TimePeriod"] = new JsonObject { ["Start"] = Date(periods[x.Period].Start), ["End"] = Date(periods[x.Period].End) },
            ["Total"] = groupBy.Count == 0 ? MetricsJson(metrics, x.Total) : new JsonObject(),
            ["Groups"] = new JsonArray([.. x.Groups.Select(g => (JsonNode)new JsonObject
            {
                ["Keys"] = new JsonArray([.. g.Keys.Select(k => (JsonNode)JsonValue.Create(k))]),
                ["Metrics"] = MetricsJson(metrics, g.Amount),
            })]),
            ["Estimated"] = periods[x.Period].End > today.AddDays(-1),
        })]);
        if (next < periods.Count)
        {
            response["NextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"page:{next}"));
        }

        response["DimensionValueAttributes"] = new JsonArray();
        return response;
    }

    private JsonObject GetCostForecast(JsonObject request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var (start, end) = Period(request);
        if (start < today)
        {
            throw Validation("Start date must be equal to or no later than the current date to avoid a mismatch between the actual and forecasted costs.");
        }

        if (end > new DateOnly(today.Year, today.Month, 1).AddMonths(MaxForecastMonths + 1))
        {
            throw Validation($"end date is too far in the future, the max supported forecast is {MaxForecastMonths} months");
        }

        var metric = request["Metric"]?.ToString() ?? throw Validation("Metric is required.");
        if (metric is not ("UNBLENDED_COST" or "AMORTIZED_COST" or "BLENDED_COST" or "NET_UNBLENDED_COST" or "NET_AMORTIZED_COST"))
        {
            throw Validation($"Metric {metric} is not valid for forecasts (UNBLENDED_COST, AMORTIZED_COST, ...).");
        }

        var granularity = request["Granularity"]?.ToString() ?? "MONTHLY";
        var filter = request["Filter"] as JsonObject;
        var active = ActiveTags();
        var level = request["PredictionIntervalLevel"]?.GetValue<int>();
        var results = new JsonArray();
        var total = 0m;
        foreach (var period in Periods(start, end, granularity))
        {
            var amount = 0m;
            for (var day = period.Start; day < period.End; day = day.AddDays(1))
            {
                cancellationToken.ThrowIfCancellationRequested();
                amount += billing.Rows(day, now, projecting: true).Where(r => Matches(filter, r, active)).Sum(r => r.Amount);
            }

            total += amount;
            var result = new JsonObject
            {
                ["TimePeriod"] = new JsonObject { ["Start"] = Date(period.Start), ["End"] = Date(period.End) },
                ["MeanValue"] = Amount(amount),
            };
            if (level is not null)
            {
                var spread = (100 - level.Value) / 100m + 0.05m;
                result["PredictionIntervalLowerBound"] = Amount(amount * (1 - spread));
                result["PredictionIntervalUpperBound"] = Amount(amount * (1 + spread));
            }

            results.Add(result);
        }

        return new JsonObject { ["Total"] = new JsonObject { ["Amount"] = Amount(total), ["Unit"] = "USD" }, ["ForecastResultsByTime"] = results };
    }

    private JsonObject GetTags(JsonObject request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (start, end) = Period(request);
        CheckHistory(start, end, DateOnly.FromDateTime(now.UtcDateTime), "DAILY");
        var tagKey = request["TagKey"]?.ToString();
        var search = request["SearchString"]?.ToString();
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var last = end.AddDays(-1) < DateOnly.FromDateTime(now.UtcDateTime) ? end : DateOnly.FromDateTime(now.UtcDateTime).AddDays(1);
        for (var day = start; day < last; day = day.AddDays(1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var row in billing.Rows(day, now))
            {
                if (tagKey is null)
                {
                    seen.UnionWith(row.Tags.Keys);
                }
                else if (row.Tags.TryGetValue(tagKey, out var value))
                {
                    seen.Add(value);
                }
            }
        }

        var all = seen.Where(t => search is null || t.Contains(search, StringComparison.OrdinalIgnoreCase)).ToList();
        var max = request["MaxResults"]?.GetValue<int>() ?? 1000;
        var offset = request["NextPageToken"]?.ToString() is { } token ? ParseToken(token) : 0;
        var page = all.Skip(offset).Take(max).ToList();
        var response = new JsonObject
        {
            ["Tags"] = new JsonArray([.. page.Select(t => (JsonNode)JsonValue.Create(t))]),
            ["ReturnSize"] = page.Count,
            ["TotalSize"] = all.Count,
        };
        if (offset + max < all.Count)
        {
            response["NextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"page:{offset + max}"));
        }

        return response;
    }

    /// <summary>
    /// Values of SERVICE, LINKED_ACCOUNT or REGION with spend in the period (filtered like GetCostAndUsage), sorted by value,
    /// paged by MaxResults (AWS pages after 1,000); LINKED_ACCOUNT values carry a <c>description</c> attribute as in AWS.
    /// </summary>
    private JsonObject GetDimensionValues(JsonObject request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var (start, end) = Period(request);
        CheckHistory(start, end, DateOnly.FromDateTime(now.UtcDateTime), "DAILY");
        var dimension = request["Dimension"]?.ToString() ?? throw Validation("Dimension is required.");
        if (!Dimensions.Contains(dimension))
        {
            throw Validation($"Dimension {dimension} is not supported by the sandbox ({string.Join(", ", Dimensions)}).");
        }

        if (request["Context"]?.ToString() is { } context && context != "COST_AND_USAGE")
        {
            throw Validation($"Context {context} is not supported by the sandbox (COST_AND_USAGE).");
        }

        var max = request["MaxResults"]?.GetValue<int>() ?? 1000;
        if (max < 1)
        {
            throw Validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1");
        }

        var filter = request["Filter"] as JsonObject;
        var search = request["SearchString"]?.ToString();
        var active = ActiveTags();
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var last = end.AddDays(-1) < DateOnly.FromDateTime(now.UtcDateTime) ? end : DateOnly.FromDateTime(now.UtcDateTime).AddDays(1);
        for (var day = start; day < last; day = day.AddDays(1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var row in billing.Rows(day, now).Where(r => Matches(filter, r, active)))
            {
                seen.Add(Dimension(dimension, row));
            }
        }

        var all = seen.Where(v => search is null || v.Contains(search, StringComparison.OrdinalIgnoreCase)).ToList();
        var offset = request["NextPageToken"]?.ToString() is { } token ? ParseToken(token) : 0;
        var page = all.Skip(offset).Take(max).ToList();
        var response = new JsonObject
        {
            ["DimensionValues"] = new JsonArray([.. page.Select(v => (JsonNode)new JsonObject
            {
                ["Value"] = v,
                ["Attributes"] = dimension == "LINKED_ACCOUNT" ? new JsonObject { ["description"] = $"Account {v}" } : new JsonObject(),
            })]),
            ["ReturnSize"] = page.Count,
            ["TotalSize"] = all.Count,
        };
        if (offset + max < all.Count)
        {
            response["NextPageToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"page:{offset + max}"));
        }

        return response;
    }

    private JsonObject ListCostAllocationTags(JsonObject request)
    {
        var status = request["Status"]?.ToString();
        var keys = (request["TagKeys"] as JsonArray)?.Select(k => k?.ToString() ?? "").ToHashSet(StringComparer.Ordinal);
        var type = request["Type"]?.ToString();
        var max = request["MaxResults"]?.GetValue<int>() ?? 100;
        var all = new List<JsonObject>();
        lock (store.Sync)
        {
            var lastUsed = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var stack in store.Stacks)
            {
                foreach (var op in stack.Operations)
                {
                    foreach (var tag in op.Config.Tags)
                    {
                        lastUsed[tag.Key] = lastUsed.TryGetValue(tag.Key, out var t) && t > op.StartedAt ? t : op.StartedAt;
                    }
                }
            }

            foreach (var key in lastUsed.Keys.Union(store.TagStatuses.Keys).Order(StringComparer.Ordinal))
            {
                var record = store.TagStatuses.TryGetValue(key, out var r) ? r : null;
                var tagStatus = record?.Status ?? (options.Value.CostAllocationTagsActiveByDefault ? "Active" : "Inactive");
                if ((status is not null && status != tagStatus) || (keys is not null && !keys.Contains(key)) || (type is not null && type != "UserDefined"))
                {
                    continue;
                }

                var item = new JsonObject { ["TagKey"] = key, ["Type"] = "UserDefined", ["Status"] = tagStatus };
                if (record is not null)
                {
                    item["LastUpdatedDate"] = record.LastUpdatedDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                }

                if (lastUsed.TryGetValue(key, out var used))
                {
                    item["LastUsedDate"] = used.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                }

                all.Add(item);
            }
        }

        var offset = request["NextToken"]?.ToString() is { } token ? ParseToken(token) : 0;
        var response = new JsonObject { ["CostAllocationTags"] = new JsonArray([.. all.Skip(offset).Take(max)]) };
        if (offset + max < all.Count)
        {
            response["NextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"page:{offset + max}"));
        }

        return response;
    }

    private JsonObject UpdateCostAllocationTagsStatus(JsonObject request)
    {
        var entries = request["CostAllocationTagsStatus"] as JsonArray ?? [];
        if (entries.Count is 0 or > 20)
        {
            throw Validation("CostAllocationTagsStatus must hold 1 to 20 entries.");
        }

        if (faults.DenyCostAllocationTagUpdates)
        {
            // What AWS answers (HTTP 400, JSON protocol) when IAM denies the action.
            var account = options.Value.AccountId;
            throw new SandboxApiException(
                "AccessDeniedException",
                $"User: arn:aws:iam::{account}:user/portal is not authorized to perform: ce:UpdateCostAllocationTagsStatus on resource: arn:aws:ce::{account}:/UpdateCostAllocationTagsStatus because no identity-based policy allows the ce:UpdateCostAllocationTagsStatus action");
        }

        var errors = new JsonArray();
        lock (store.Sync)
        {
            var known = store.Stacks.SelectMany(s => s.Operations).SelectMany(o => o.Config.Tags).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
            known.UnionWith(store.TagStatuses.Keys);
            foreach (var entry in entries)
            {
                var key = entry?["TagKey"]?.ToString() ?? "";
                var status = entry?["Status"]?.ToString() ?? "";
                if (status is not ("Active" or "Inactive"))
                {
                    throw Validation($"Status '{status}' must be Active or Inactive.");
                }

                if (!known.Contains(key))
                {
                    errors.Add(new JsonObject { ["TagKey"] = key, ["Code"] = "TagKeysNotFoundException", ["Message"] = $"Tag key {key} was not found." });
                    continue;
                }

                store.TagStatuses[key] = new TagStatusRecord(status, time.GetUtcNow());
            }

            store.SaveTagStatuses();
        }

        return new JsonObject { ["Errors"] = errors };
    }

    // ---------- Helpers ----------

    private HashSet<string> ActiveTags()
    {
        lock (store.Sync)
        {
            var keys = store.Stacks.SelectMany(s => s.Operations).SelectMany(o => o.Config.Tags).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
            return [.. keys.Where(k => store.TagStatuses.TryGetValue(k, out var s) ? s.Status == "Active" : options.Value.CostAllocationTagsActiveByDefault)];
        }
    }

    // Inactive tags are invisible to Cost Explorer: their costs count as untagged.
    private static string? TagValue(CostRow row, string key, HashSet<string> active) =>
        active.Contains(key) && row.Tags.TryGetValue(key, out var value) ? value : null;

    private static string GroupKey(string type, string key, CostRow row, HashSet<string> active) => type == "TAG"
        ? $"{key}${TagValue(row, key, active) ?? ""}"
        : Dimension(key, row);

    private static string Dimension(string key, CostRow row) => key switch
    {
        "SERVICE" => row.Service,
        "LINKED_ACCOUNT" => row.Account,
        "REGION" => row.Region,
        _ => "",
    };

    private static bool Matches(JsonObject? filter, CostRow row, HashSet<string> active)
    {
        if (filter is null)
        {
            return true;
        }

        if (filter["And"] is JsonArray and)
        {
            return and.All(e => Matches(e as JsonObject, row, active));
        }

        if (filter["Or"] is JsonArray or)
        {
            return or.Any(e => Matches(e as JsonObject, row, active));
        }

        if (filter["Not"] is JsonObject not)
        {
            return !Matches(not, row, active);
        }

        if (filter["Dimensions"] is JsonObject dimension)
        {
            var key = dimension["Key"]?.ToString() ?? "";
            if (!Dimensions.Contains(key))
            {
                throw Validation($"Dimension {key} is not supported by the sandbox ({string.Join(", ", Dimensions)}).");
            }

            var values = (dimension["Values"] as JsonArray ?? []).Select(v => v?.ToString()).ToHashSet(StringComparer.Ordinal);
            return values.Contains(Dimension(key, row));
        }

        if (filter["Tags"] is JsonObject tags)
        {
            var key = tags["Key"]?.ToString() ?? "";
            var options = (tags["MatchOptions"] as JsonArray ?? []).Select(o => o?.ToString()).ToList();
            var value = TagValue(row, key, active);
            if (options.Contains("ABSENT"))
            {
                return value is null;
            }

            var values = (tags["Values"] as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToList();
            return value is not null && (values.Count == 0 || values.Contains(value, StringComparer.Ordinal));
        }

        throw Validation("Expression must hold one of And, Or, Not, Dimensions, Tags.");
    }

    private static (DateOnly Start, DateOnly End) Period(JsonObject request)
    {
        var period = request["TimePeriod"] as JsonObject ?? throw Validation("TimePeriod is required.");
        if (!DateOnly.TryParseExact(period["Start"]?.ToString()?[..Math.Min(10, period["Start"]?.ToString()?.Length ?? 0)], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !DateOnly.TryParseExact(period["End"]?.ToString()?[..Math.Min(10, period["End"]?.ToString()?.Length ?? 0)], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            throw Validation("TimePeriod Start and End must be dates (yyyy-MM-dd).");
        }

        return start < end ? (start, end) : throw Validation("Start date (and hour) should be before end date (and hour)");
    }

    // Cost Explorer keeps a bounded history and answers nothing past next month: both are checked before any work, so a
    // window of 0001-01-01..9999-12-31 is a quick 400 rather than millions of days billed.
    private void CheckHistory(DateOnly start, DateOnly end, DateOnly today, string granularity)
    {
        var months = options.Value.CostExplorerHistoryMonths;
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        if (start < thisMonth.AddMonths(-months))
        {
            throw Validation($"start date is too old for {granularity.ToLowerInvariant()}, the max supported months for {granularity.ToLowerInvariant()} granularity is {months} months");
        }

        if (end > thisMonth.AddMonths(1))
        {
            throw Validation("end date past the beginning of next month");
        }
    }

    private static List<(DateOnly Start, DateOnly End)> Periods(DateOnly start, DateOnly end, string granularity)
    {
        var periods = new List<(DateOnly, DateOnly)>();
        for (var s = start; s < end;)
        {
            var e = granularity == "DAILY" ? s.AddDays(1) : new DateOnly(s.Year, s.Month, 1).AddMonths(1);
            e = e < end ? e : end;
            periods.Add((s, e));
            s = e;
        }

        return periods;
    }

    private static JsonObject MetricsJson(List<string> metrics, decimal amount)
    {
        var result = new JsonObject();
        foreach (var metric in metrics)
        {
            result[metric] = new JsonObject
            {
                ["Amount"] = metric is "UsageQuantity" or "NormalizedUsageAmount" ? "0" : Amount(amount),
                ["Unit"] = metric is "UsageQuantity" or "NormalizedUsageAmount" ? "N/A" : "USD",
            };
        }

        return result;
    }

    private static string Amount(decimal value) => Math.Round(value, 10, MidpointRounding.AwayFromZero).ToString("0.##########", CultureInfo.InvariantCulture);

    private static string Date(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int ParseToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            return text.StartsWith("page:", StringComparison.Ordinal) ? int.Parse(text[5..], CultureInfo.InvariantCulture) : throw new FormatException();
        }
        catch (FormatException)
        {
            throw new SandboxApiException("InvalidNextTokenException", "The NextPageToken is invalid.");
        }
    }

    private static SandboxApiException Validation(string message) => new("ValidationException", message);
}
