using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Catalog;

public sealed class RepositoryTemplatesTests
{
    [Fact]
    public async Task RepositoryTemplates_AllValidateClean()
    {
        var templates = FindRepositoryTemplatesFolder();
        templates.ShouldNotBeNull($"No templates were found: no 'templates' folder beside Portal.sln above {AppContext.BaseDirectory}.");
        var folders = Directory.EnumerateDirectories(templates).Where(d => !Path.GetFileName(d).StartsWith('.')).ToList();
        folders.ShouldNotBeEmpty($"No templates were found in {templates}: the catalog must hold at least one template folder.");

        var catalog = await new CatalogLoader(TemplateValidator.Default, TimeProvider.System).LoadAsync(templates, CancellationToken.None);

        var report = string.Join("\n", catalog.Rejected.SelectMany(r => r.Problems.Select(p => $"{r.Slug}: {p}")));
        catalog.Rejected.ShouldBeEmpty($"Templates rejected:\n{report}");
        catalog.Offered.Count.ShouldBe(folders.Count);
    }

    private static string? FindRepositoryTemplatesFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                var templates = Path.Combine(dir.FullName, "templates");
                return Directory.Exists(templates) ? templates : null;
            }
        }

        return null;
    }
}
