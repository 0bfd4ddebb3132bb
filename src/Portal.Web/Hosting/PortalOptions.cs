using System.ComponentModel.DataAnnotations;

namespace Portal.Web.Hosting;

/// <summary>Options under <c>Portal</c>.</summary>
public sealed class PortalOptions
{
    public const string SectionName = "Portal";

    /// <summary>Where the embedded default keeps its files (SQLite database, sandbox state). Relative to the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = ".data";

    public DemoOptions Demo { get; set; } = new();

    public string ResolveDataDirectory(string contentRoot) => Path.GetFullPath(DataDirectory, contentRoot);
}

/// <summary>Options under <c>Portal:Demo</c>: the demo organisation seeded in Development.</summary>
public sealed class DemoOptions
{
    /// <summary>Seed outside Development too. Null means "only in Development".</summary>
    public bool? Enabled { get; set; }

    [MinLength(8)]
    public string Password { get; set; } = "portal-demo";
}
