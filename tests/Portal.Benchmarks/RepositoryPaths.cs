namespace Portal.Benchmarks;

internal static class RepositoryPaths
{
    /// <summary>The repository's templates/ folder, found above the working directory or the benchmark's binaries.</summary>
    public static string Templates()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "Portal.sln")))
                {
                    return Path.Combine(folder.FullName, "templates");
                }
            }
        }

        throw new DirectoryNotFoundException("Run the benchmarks from inside the repository.");
    }
}
