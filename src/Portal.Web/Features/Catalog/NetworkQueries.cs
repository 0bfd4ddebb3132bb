using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Catalog;

/// <summary>
/// The networks a request form can place a database or service in: the Ready <c>network-vpc</c> environments of the teams
/// the user may request for (every team for platform engineers), with the VPC and subnet ids their stacks output.
/// </summary>
public static class NetworkQueries
{
    public const string NetworkTemplate = "network-vpc";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<ReadyNetwork>> ReadyNetworksAsync(
        IDbContextFactory<PortalDbContext> contextFactory, LifecycleActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contextFactory);
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var all = actor.IsPlatformEngineer;
        var teamIds = actor.TeamIds.ToList();
        var rows = await db.Environments.AsNoTracking()
            .Where(e => e.TemplateSlug == NetworkTemplate && e.Status == EnvironmentStatus.Ready && (all || teamIds.Contains(e.TeamId)))
            .Join(db.Teams, e => e.TeamId, t => t.Id, (e, t) => new { e.Id, Team = t.Slug, e.Name, e.Region, e.OutputsJson })
            .ToListAsync(cancellationToken);
        return [.. rows
            .Select(r => (Row: r, Outputs: JsonSerializer.Deserialize<Dictionary<string, string>>(r.OutputsJson, Json) ?? []))
            .Where(r => r.Outputs.ContainsKey("VpcId"))
            .Select(r => new ReadyNetwork(
                r.Row.Id, r.Row.Team, r.Row.Name, r.Row.Region, r.Outputs["VpcId"],
                r.Outputs.GetValueOrDefault("DatabaseSubnetIds"), r.Outputs.GetValueOrDefault("PrivateSubnetIds"), r.Outputs.GetValueOrDefault("VpcCidr")))
            .OrderBy(n => n.Team, StringComparer.Ordinal).ThenBy(n => n.Name, StringComparer.Ordinal)];
    }
}

/// <summary>A Ready network-vpc environment and the ids a request can use from it.</summary>
public sealed record ReadyNetwork(Guid Id, string Team, string Name, string Region, string VpcId, string? DatabaseSubnetIds, string? PrivateSubnetIds, string? VpcCidr)
{
    public string Label => $"{Team}/{Name}";
}
