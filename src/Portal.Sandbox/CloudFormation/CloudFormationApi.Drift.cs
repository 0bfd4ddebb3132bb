using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

// Drift detection in AWS's shapes: DetectStackDrift compares every resource's expected properties (the template's, as
// resolved) with its actual ones (changed by hand through SandboxDrift), DescribeStackDriftDetectionStatus reports the
// result once the detection completes (10 s of simulated time), DescribeStackResourceDrifts lists it per resource.
internal sealed partial class CloudFormationApi
{
    private XElement DetectDrift(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var stack = RequireStack(caller, args.Required("StackName"), now);
        var status = StackView.Status(stack, now);
        if (StackView.IsInProgress(status))
        {
            throw SandboxApiException.Validation($"Drift detection cannot be performed on stack [{stack.StackId}] in status [{status}]");
        }

        var id = new Seeded($"{stack.StackId}|drift|{stack.DriftDetections.Count}").Guid().ToString();
        var filter = args.List("LogicalResourceIds").ToHashSet(StringComparer.Ordinal);
        var resources = StackView.ConfigAt(stack, now).Resources.Values
            .Where(r => filter.Count == 0 || filter.Contains(r.LogicalId))
            .OrderBy(r => r.LogicalId, StringComparer.Ordinal)
            .Select(r => Compare(stack, r))
            .ToList();
        var drifted = resources.Any(r => r.Status != "IN_SYNC");
        drift.Data.Results[id] = new DetectionResult(stack.StackId, drifted ? "DRIFTED" : "IN_SYNC", resources);
        drift.Save();
        stack.DriftDetections.Add(new DriftDetectionRecord(id, now, now + TimeSpan.FromSeconds(Math.Max(0.001, 10 / Speed))));
        store.Save(stack);
        return Result("DetectStackDrift", El("StackDriftDetectionId", id));
    }

    private XElement DescribeDriftDetectionStatus(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var id = args.Required("StackDriftDetectionId");
        foreach (var stack in Stacks(caller))
        {
            if (stack.DriftDetections.FirstOrDefault(d => d.DetectionId == id) is { } detection)
            {
                var complete = now >= detection.CompletesAt;
                var result = drift.Data.Results.GetValueOrDefault(id);
                return Result(
                    "DescribeStackDriftDetectionStatus",
                    El("StackId", stack.StackId),
                    El("StackDriftDetectionId", id),
                    El("StackDriftStatus", complete ? result?.StackDriftStatus ?? "IN_SYNC" : null),
                    El("DetectionStatus", complete ? "DETECTION_COMPLETE" : "DETECTION_IN_PROGRESS"),
                    El("DriftedStackResourceCount", complete ? (result?.Resources.Count(r => r.Status != "IN_SYNC") ?? 0).ToString(CultureInfo.InvariantCulture) : null),
                    El("Timestamp", Time(complete ? detection.CompletesAt : detection.StartedAt)));
            }
        }

        throw SandboxApiException.Validation($"Drift detection id {id} does not exist");
    }

    private XElement DescribeStackResourceDrifts(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        if (args.Int("MaxResults") is < 1 or > 100)
        {
            throw SandboxApiException.Validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
        }

        // The latest completed detection's results (AWS keeps each resource's latest check).
        var latest = stack.DriftDetections.Where(d => d.CompletesAt <= now).OrderByDescending(d => d.CompletesAt).FirstOrDefault();
        var filter = args.List("StackResourceDriftStatusFilters").ToHashSet(StringComparer.Ordinal);
        var rows = (latest is not null && drift.Data.Results.TryGetValue(latest.DetectionId, out var result) ? result.Resources : [])
            .Where(r => filter.Count == 0 || filter.Contains(r.Status))
            .ToList();
        var pageSize = args.Int("MaxResults") ?? PageSize;
        var start = args.Get("NextToken") is { } token && int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        var page = rows.Skip(start).Take(pageSize).ToList();
        var next = start + page.Count < rows.Count ? (start + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return Result("DescribeStackResourceDrifts", new XElement(Ns + "StackResourceDrifts", page.Select(r => Member(
            El("StackId", stack.StackId),
            El("LogicalResourceId", r.LogicalResourceId),
            El("PhysicalResourceId", r.PhysicalResourceId),
            El("ResourceType", r.ResourceType),
            El("ExpectedProperties", r.ExpectedProperties),
            El("ActualProperties", r.Status == "DELETED" ? null : r.ActualProperties),
            new XElement(Ns + "PropertyDifferences", r.Differences.Select(d => Member(
                El("PropertyPath", d.PropertyPath), El("ExpectedValue", d.ExpectedValue), El("ActualValue", d.ActualValue), El("DifferenceType", d.DifferenceType)))),
            El("StackResourceDriftStatus", r.Status),
            El("Timestamp", Time(latest!.CompletesAt))))), El("NextToken", next));
    }

    private string DriftStatusOf(StackRecord stack, DateTimeOffset now)
    {
        var latest = stack.DriftDetections.Where(d => d.CompletesAt <= now).OrderByDescending(d => d.CompletesAt).FirstOrDefault();
        return latest is null ? "NOT_CHECKED" : drift.Data.Results.GetValueOrDefault(latest.DetectionId)?.StackDriftStatus ?? "IN_SYNC";
    }

    private ResourceDriftRecord Compare(StackRecord stack, ResourceRecord resource)
    {
        var key = DriftState.Key(stack, resource);
        var expected = resource.Properties;
        var actual = (JsonObject)expected.DeepClone();
        if (drift.Data.HandEdits.TryGetValue(key, out var edits))
        {
            foreach (var (name, value) in edits)
            {
                if (value is null)
                {
                    actual.Remove(name);
                }
                else
                {
                    actual[name] = value.DeepClone();
                }
            }
        }

        var differences = new List<PropertyDifferenceRecord>();
        Diff("", expected, actual, differences);
        var status = drift.Data.DeletedByHand.Contains(key) ? "DELETED" : differences.Count > 0 ? "MODIFIED" : "IN_SYNC";
        return new ResourceDriftRecord(
            resource.LogicalId, resource.PhysicalId, resource.Type, expected.ToJsonString(), actual.ToJsonString(), status, status == "DELETED" ? [] : differences);
    }

    /// <summary>Differences as AWS reports them: JSON-pointer paths, ADD (only actual), REMOVE (only expected), NOT_EQUAL.</summary>
    private static void Diff(string path, JsonNode? expected, JsonNode? actual, List<PropertyDifferenceRecord> differences)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)).Order(StringComparer.Ordinal))
                {
                    Diff($"{path}/{key}", e[key], a[key], differences);
                }

                break;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    Diff($"{path}/{i}", i < e.Count ? e[i] : null, i < a.Count ? a[i] : null, differences);
                }

                break;
            case (null, null):
                break;
            case (null, _):
                differences.Add(new PropertyDifferenceRecord(path, "null", Text(actual), "ADD"));
                break;
            case (_, null):
                differences.Add(new PropertyDifferenceRecord(path, Text(expected), "null", "REMOVE"));
                break;
            default:
                if (!JsonNode.DeepEquals(expected, actual))
                {
                    differences.Add(new PropertyDifferenceRecord(path, Text(expected), Text(actual), "NOT_EQUAL"));
                }

                break;
        }
    }

    private static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : node?.ToJsonString() ?? "null";
}
