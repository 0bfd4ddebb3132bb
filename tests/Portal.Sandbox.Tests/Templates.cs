namespace Portal.Sandbox.Tests;

/// <summary>The repository's catalog templates and small templates written for a test.</summary>
public static class Templates
{
    public static string Catalog(string slug) => File.ReadAllText(Path.Combine(RepositoryRoot(), "templates", slug, "template.yaml"));

    public const string SingleLogGroup = """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 7
        Outputs:
          LogGroupName:
            Value: !Ref Logs
        """;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Portal.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Portal.sln not found above " + AppContext.BaseDirectory);
    }
}
