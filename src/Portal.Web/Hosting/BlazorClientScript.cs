using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace Portal.Web.Hosting;

/// <summary>
/// Serves Blazor's client script, read out of the ASP.NET Core runtime-pack assembly embedded at build time
/// (see Build/BlazorClientScript.targets and docs/adr/0004). The assembly is parsed as data, never loaded.
/// </summary>
internal static class BlazorClientScript
{
    private const string SourceResource = "Portal.Web.BlazorClientScriptSource.dll";
    private const string ScriptResource = "_framework/blazor.web.js";

    private static readonly Lazy<(byte[] Content, string ETag)> Script = new(Load);

    public static IEndpointConventionBuilder MapBlazorClientScript(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/_framework/blazor.web.js", (HttpContext context) =>
        {
            var (content, etag) = Script.Value;
            context.Response.Headers.ETag = etag;
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return context.Request.Headers.IfNoneMatch == etag
                ? Results.StatusCode(StatusCodes.Status304NotModified)
                : Results.Bytes(content, "text/javascript");
        }).AllowAnonymous().ExcludeFromDescription();

    internal static byte[] ReadScript()
    {
        using var source = typeof(BlazorClientScript).Assembly.GetManifestResourceStream(SourceResource)
            ?? throw new InvalidOperationException($"{SourceResource} is not embedded in Portal.Web; rebuild the project.");
        using var pe = new PEReader(source);
        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (metadata.GetString(resource.Name) != ScriptResource)
            {
                continue;
            }

            var section = pe.GetSectionData(pe.PEHeaders.CorHeader!.ResourcesDirectory.RelativeVirtualAddress);
            var reader = section.GetReader((int)resource.Offset, section.Length - (int)resource.Offset);
            return reader.ReadBytes(reader.ReadInt32());
        }

        throw new InvalidOperationException($"{ScriptResource} not found in {SourceResource}.");
    }

    private static (byte[] Content, string ETag) Load()
    {
        var content = ReadScript();
        return (content, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
    }
}
