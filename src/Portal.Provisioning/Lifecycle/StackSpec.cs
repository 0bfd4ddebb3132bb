using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Everything a CloudFormation call needs for one environment: template body, parameters, capabilities and tags.</summary>
public sealed record StackSpec(string TemplateBody, IReadOnlyList<Parameter> Parameters, IReadOnlyList<string> Capabilities, IReadOnlyList<Tag> Tags)
{
    /// <summary>
    /// Builds the spec for <paramref name="environment"/> from its catalog entry, the requester's values (a JSON object) and
    /// the portal's own values. Throws <see cref="DomainValidationException"/> when the values no longer fit the template.
    /// </summary>
    public static async Task<StackSpec> ForAsync(
        PortalDbContext db, PortalEnvironment environment, CatalogEntry entry, string userValuesJson, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(entry);
        var team = await db.Teams.AsNoTracking().Where(t => t.Id == environment.TeamId).Select(t => new { t.Slug, t.CostCenter }).SingleAsync(cancellationToken);
        var owner = await db.Users.AsNoTracking().Where(u => u.Id == environment.OwnerId).Select(u => u.Email).SingleAsync(cancellationToken) ?? "unknown";
        var user = JsonSerializer.Deserialize<Dictionary<string, string>>(userValuesJson, RequestWorkflow.Json) ?? [];
        var values = entry.BuildParameters(environment.Tier.Slug(), PortalValues.For(team.Slug, environment.Name, environment.Tier, environment.VpcCidr), user);
        if (overrides is { Count: > 0 } && values.Errors.Count == 0)
        {
            var laid = new Dictionary<string, string>(values.Values, StringComparer.Ordinal);
            foreach (var (name, value) in overrides)
            {
                laid[name] = value;
            }

            values = new ParameterSet(laid, [.. ParameterValidator.Validate(entry.Template, laid)]);
        }

        if (values.Errors.Count > 0)
        {
            throw new DomainValidationException(values.Errors.GroupBy(e => $"parameters.{e.Parameter}").ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Message))));
        }

        var tags = PortalStackTags.For(environment.Id, team.Slug, owner, environment.Tier.Slug(), entry.Slug, entry.Version, team.CostCenter);
        return new StackSpec(
            entry.TemplateBody,
            [.. values.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => Parameter.Of(v.Key, v.Value))],
            entry.Manifest.Capabilities,
            tags);
    }
}
