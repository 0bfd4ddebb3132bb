using System.Text.Json.Nodes;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Catalog;

public sealed class RepositoryTemplatesTests
{
    [Fact]
    public async Task RepositoryTemplates_AllValidateClean()
    {
        var (templates, folders) = RepositoryTemplates();

        var catalog = await LoadAsync(templates);

        var report = string.Join("\n", catalog.Rejected.SelectMany(r => r.Problems.Select(p => $"{r.Slug}: {p}")));
        catalog.Rejected.ShouldBeEmpty($"Templates rejected:\n{report}");
        catalog.Offered.Count.ShouldBe(folders.Count);
    }

    // A comma inside an unquoted flow mapping ends the value: "{ default: Storage (GiB, gp3) }" labelled the field "Storage (GiB"
    // (session 17's screenshots of the request form).
    [Fact]
    public async Task RepositoryTemplates_ParameterLabelsAreWhole()
    {
        var (templates, _) = RepositoryTemplates();
        var catalog = await LoadAsync(templates);
        catalog.Offered.ShouldNotBeEmpty();
        var cut = catalog.Offered
            .SelectMany(e => (e.Template.Interface?.ParameterLabels ?? new Dictionary<string, string>()).Select(l => (e.Slug, l.Key, l.Value)))
            .Where(l => l.Value.Count(c => c == '(') != l.Value.Count(c => c == ')'))
            .Select(l => $"{l.Slug}/{l.Key}: \"{l.Value}\"")
            .ToList();
        cut.ShouldBeEmpty();
    }

    [Fact]
    public async Task RepositoryTemplates_EveryTierResolvesAndCreatesInLevelOrder()
    {
        var (templates, _) = RepositoryTemplates();
        var catalog = await LoadAsync(templates);
        catalog.Offered.ShouldNotBeEmpty();

        foreach (var entry in catalog.Offered)
        {
            foreach (var tier in entry.Manifest.Tiers.Keys)
            {
                var portal = new Dictionary<string, string> { ["environment-name"] = "shop", ["vpc-cidr"] = "10.42.0.0/16", ["tier"] = tier };
                var user = entry.Manifest.UserParameters
                    .Where(p => entry.Template.Parameters[p].Default is null)
                    .ToDictionary(p => p, p => StandIn(entry.Template.Parameters[p]));
                var parameters = entry.BuildParameters(tier, portal, user);
                parameters.Errors.ShouldBeEmpty($"{entry.Slug}/{tier}");

                var resolved = TemplateResolver.Resolve(entry.Template, parameters.Values, new StackContext($"{entry.Slug}-{tier}"));

                // Creating level by level, every reference must point at a resource already created.
                var created = new CreatedResources(resolved);
                foreach (var level in resolved.Graph.Levels)
                {
                    foreach (var id in level)
                    {
                        Should.NotThrow(() => resolved.ResolveResourceProperties(id, created), $"{entry.Slug}/{tier}: {id}");
                    }

                    created.Ids.UnionWith(level);
                }

                foreach (var output in resolved.Outputs.Keys)
                {
                    resolved.ResolveOutputValue(output, created).ShouldBeAssignableTo<JsonValue>($"{entry.Slug}/{tier}: output {output}");
                }
            }
        }
    }

    private static Task<TemplateCatalog> LoadAsync(string templates) =>
        new CatalogLoader(TemplateValidator.Default, TimeProvider.System).LoadAsync(templates, CancellationToken.None);

    private static (string Folder, List<string> Templates) RepositoryTemplates()
    {
        var templates = FindRepositoryTemplatesFolder();
        templates.ShouldNotBeNull($"No templates were found: no 'templates' folder beside Portal.sln above {AppContext.BaseDirectory}.");
        var folders = Directory.EnumerateDirectories(templates).Where(d => !Path.GetFileName(d).StartsWith('.')).ToList();
        folders.ShouldNotBeEmpty($"No templates were found in {templates}: the catalog must hold at least one template folder.");
        return (templates, folders);
    }

    private static string? FindRepositoryTemplatesFolder() =>
        RepositoryPaths.TryRoot is { } root && Directory.Exists(Path.Combine(root, "templates")) ? Path.Combine(root, "templates") : null;

    // A requester's value of the parameter's type, as the request form would collect it.
    private static string StandIn(CfnParameter parameter) => parameter.Type.ItemType switch
    {
        "AWS::EC2::VPC::Id" => "vpc-0abc",
        "AWS::EC2::Subnet::Id" => parameter.Type.IsList ? "subnet-0a,subnet-0b" : "subnet-0a",
        "AWS::EC2::SecurityGroup::Id" => "sg-0abc",
        "Number" => (parameter.MinValue ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ when parameter.AllowedValues is { Count: > 0 } allowed => allowed[0],
        _ when parameter.Name.EndsWith("Arn", StringComparison.Ordinal) => "arn:aws:acm:us-east-1:123456789012:certificate/0d6c2a1e-1111-4222-8333-944455556666",
        _ => "example",
    };

    // Created resources answer with made-up ids; attributes the schema types as arrays are lists.
    private sealed class CreatedResources(ResolvedTemplate resolved) : IResourceValues
    {
        public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

        public bool TryGetPhysicalId(string logicalId, out string physicalId)
        {
            physicalId = $"{logicalId.ToLowerInvariant()}-0001";
            return Ids.Contains(logicalId);
        }

        public bool TryGetAttribute(string logicalId, string attribute, out JsonNode? value)
        {
            var schema = SchemaRegistry.Default.SchemaOf(resolved.Resources[logicalId].Type);
            foreach (var segment in attribute.Split('.'))
            {
                schema = schema?.FindProperty(segment);
            }

            value = schema is not null && schema.Types.HasFlag(SchemaTypes.Array)
                ? new JsonArray($"{logicalId}.{attribute}.0", $"{logicalId}.{attribute}.1")
                : JsonValue.Create($"{logicalId}.{attribute}");
            return Ids.Contains(logicalId);
        }
    }
}
