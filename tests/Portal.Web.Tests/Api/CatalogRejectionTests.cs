using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>A template that fails validation is not offered, and Admin → Catalog says why.</summary>
public sealed class CatalogRejectionTests
{
    [Fact]
    public async Task BrokenTemplate_IsNotOffered_AndTheAdminPageShowsItsProblems()
    {
        var folder = Directory.CreateTempSubdirectory("portal-catalog-");
        try
        {
            CopyDirectory(Path.Combine(RepositoryPaths.Templates, "static-site"), Path.Combine(folder.FullName, "static-site"));
            var broken = Directory.CreateDirectory(Path.Combine(folder.FullName, "broken-bucket"));
            File.Copy(Path.Combine(RepositoryPaths.Templates, "static-site", "portal.yaml"), Path.Combine(broken.FullName, "portal.yaml"));
            var manifest = File.ReadAllText(Path.Combine(broken.FullName, "portal.yaml")).Replace("slug: static-site", "slug: broken-bucket", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(broken.FullName, "portal.yaml"), manifest);
            var template = File.ReadAllText(Path.Combine(RepositoryPaths.Templates, "static-site", "template.yaml"))
                .Replace("VersioningConfiguration:", "VersioningConfigurashun:", StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(broken.FullName, "template.yaml"), template);

            await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string?> { ["Catalog:Directory"] = folder.FullName });
            using var client = portal.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", await portal.CreateTokenAsync("dev@example.com", "read"));
            var offered = await client.GetStringAsync("/api/v1/templates");
            offered.ShouldContain("static-site");
            offered.ShouldNotContain("broken-bucket");

            using var admin = portal.CreateClient();
            await PortalWebFactory.PostLoginAsync(admin, "admin@example.com", "portal-demo");
            var page = await admin.GetStringAsync("/admin/catalog");
            page.ShouldContain("rejected-broken-bucket");
            page.ShouldContain("VersioningConfigurashun");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
