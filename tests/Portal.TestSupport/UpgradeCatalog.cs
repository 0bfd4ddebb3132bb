namespace Portal.TestSupport;

/// <summary>
/// A catalog folder for upgrade tests: static-site 1.0.0 (the real template plus a log group), then, once
/// <see cref="PublishNextVersion"/> is called, 1.1.0 (CertificateArn dropped, DefaultTtlSeconds added with a default, the
/// distribution modified, the log group renamed so it is replaced, a topic added, a redirect bucket only for sites with a
/// custom domain). The fixtures live in <c>tests/Portal.TestSupport/Catalogs/static-site-upgrade</c>; the real templates are untouched.
/// </summary>
public sealed class UpgradeCatalog : IDisposable
{
    public const string Slug = "static-site";
    public const string FromVersion = "1.0.0";
    public const string ToVersion = "1.1.0";

    private UpgradeCatalog(string directory) => Directory = directory;

    public string Directory { get; }

    public static string Fixture(string version) => Path.Combine(RepositoryPaths.Root, "tests", "Portal.TestSupport", "Catalogs", "static-site-upgrade", version, Slug);

    public static UpgradeCatalog Create()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portal-tests", $"catalog-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(directory, Slug));
        var catalog = new UpgradeCatalog(directory);
        catalog.Copy(FromVersion);
        return catalog;
    }

    /// <summary>Replaces static-site 1.0.0 with 1.1.0 in the folder (a catalog reload then offers it).</summary>
    public void PublishNextVersion() => Copy(ToVersion);

    private void Copy(string version)
    {
        foreach (var file in new[] { "template.yaml", "portal.yaml" })
        {
            File.Copy(Path.Combine(Fixture(version), file), Path.Combine(Directory, Slug, file), overwrite: true);
        }
    }

    public void Dispose()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}
