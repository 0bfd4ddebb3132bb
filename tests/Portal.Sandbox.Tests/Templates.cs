using Portal.TestSupport;

namespace Portal.Sandbox.Tests;

/// <summary>The repository's catalog templates and small templates written for a test.</summary>
public static class Templates
{
    public static string Catalog(string slug) => File.ReadAllText(Path.Combine(RepositoryPaths.Templates, slug, "template.yaml"));

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
}
