using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities.Lifecycle;
using Portal.TestSupport;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>Dev static sites requested through a portal process's API, and waiting for them in its database (outage and shutdown tests).</summary>
internal static class PortalProcessEnvironments
{
    /// <summary>Signs in as the demo developer and requests <paramref name="count"/> auto-approved dev sites named prefix-01…; returns their environment ids.</summary>
    public static async Task<List<Guid>> RequestAsync(PortalProcess node, string prefix, int count, string justification)
    {
        using var client = node.CreateClient();
        (await PortalWebFactory.PostLoginAsync(client, "dev@example.com", "portal-demo")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var ids = new List<Guid>();
        for (var i = 1; i <= count; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/requests", new
            {
                kind = "create", template = "static-site", tier = "dev", team = "payments", name = $"{prefix}-{i:00}", justification,
            });
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
            using var json = JsonDocument.Parse(body);
            ids.Add(json.RootElement.GetProperty("environmentId").GetGuid());
        }

        return ids;
    }

    /// <summary>Polls the database until every environment is Ready; fails at once on a Failed one, with its reason.</summary>
    public static async Task WaitAllReadyAsync(TestDatabase database, List<Guid> ids, TimeSpan timeout, string when)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var statuses = new List<(EnvironmentStatus Status, string? Reason)>();
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = database.CreateContext();
            statuses = (await db.Environments.AsNoTracking().Where(e => ids.Contains(e.Id)).Select(e => new { e.Status, e.FailureReason }).ToListAsync())
                .Select(e => (e.Status, e.FailureReason)).ToList();
            statuses.ShouldNotContain(s => s.Status == EnvironmentStatus.Failed, string.Join("; ", statuses.Where(s => s.Status == EnvironmentStatus.Failed).Select(s => s.Reason)));
            if (statuses.Count == ids.Count && statuses.All(s => s.Status == EnvironmentStatus.Ready))
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Not every environment became Ready {when}: " + string.Join(", ", statuses.GroupBy(s => s.Status).Select(g => $"{g.Key} {g.Count()}")));
    }
}
