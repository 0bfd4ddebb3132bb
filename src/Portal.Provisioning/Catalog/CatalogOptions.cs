using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Catalog;

/// <summary>Where the template catalog lives (configuration section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string SectionName = "Catalog";

    /// <summary>The folder holding one sub-folder per template; relative paths are taken from the working directory.</summary>
    [Required]
    public string Directory { get; set; } = "templates";
}

internal sealed class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options) =>
        string.IsNullOrWhiteSpace(options.Directory) || System.IO.Directory.Exists(Path.GetFullPath(options.Directory))
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{CatalogOptions.SectionName}:{nameof(CatalogOptions.Directory)}: the folder '{Path.GetFullPath(options.Directory)}' does not exist.");
}
