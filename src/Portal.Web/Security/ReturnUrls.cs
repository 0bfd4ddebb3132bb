namespace Portal.Web.Security;

/// <summary>
/// Where sign-in may send the user back to: a path on this site, never another (an open redirect). Rejected, for "/":
/// anything not starting with one slash; "//host" and "/\host" (protocol-relative, as browsers read a backslash); and any
/// control character or whitespace, which a browser strips from a link before it reads it ("/\t/evil.example" is
/// "//evil.example" to the browser). What is left must resolve to this site.
/// </summary>
public static class ReturnUrls
{
    private static readonly Uri Here = new("https://portal.invalid/");

    public static string Safe(string? url) => IsLocal(url) ? url! : "/";

    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url)
        && url[0] == '/'
        && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
        && Uri.TryCreate(Here, url, out var resolved)
        && resolved.Scheme == Here.Scheme && resolved.Authority == Here.Authority;
}
