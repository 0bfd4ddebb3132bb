using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Templates;

internal static class TestTemplates
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "Templates");

    public static string Read(string name) => File.ReadAllText(Path.Combine(Folder, name));

    public static CfnTemplate Load(string name) => TemplateParser.Parse(Read(name));
}
