namespace Portal.TestSupport;

/// <summary>Folders of this repository, found by walking up from the test's binaries to <c>Portal.sln</c>.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string?> RootFolder = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Portal.sln")))
            {
                return folder.FullName;
            }
        }

        return null;
    });

    /// <summary>The repository root, or null when the tests run outside a checkout.</summary>
    public static string? TryRoot => RootFolder.Value;

    public static string Root => TryRoot ?? throw new DirectoryNotFoundException($"Portal.sln not found above {AppContext.BaseDirectory}.");

    public static string Templates => Path.Combine(Root, "templates");
}
