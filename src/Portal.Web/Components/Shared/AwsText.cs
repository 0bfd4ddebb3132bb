namespace Portal.Web.Components.Shared;

/// <summary>
/// CloudFormation's codes in the words a page shows them in: drift statuses and differences, a change's replacement, a
/// template's capabilities. Pages show the words with AWS's code in the tooltip; the API, exports and logic keep the codes.
/// Stack and resource statuses (CREATE_COMPLETE, DELETE_SKIPPED) stay as AWS writes them: they are the vocabulary of the
/// events log and of the AWS console beside it.
/// </summary>
public static class AwsText
{
    /// <summary>A resource's drift: IN_SYNC "In sync", MODIFIED "Changed", DELETED "Deleted", NOT_CHECKED "Not checked".</summary>
    public static string ResourceDrift(string status) => status switch
    {
        "IN_SYNC" => "In sync",
        "MODIFIED" => "Changed",
        "DELETED" => "Deleted",
        "NOT_CHECKED" => "Not checked",
        _ => Words(status),
    };

    /// <summary>A property's difference: NOT_EQUAL "Different value", ADD "Added", REMOVE "Removed".</summary>
    public static string Difference(string type) => type switch
    {
        "NOT_EQUAL" => "Different value",
        "ADD" => "Added",
        "REMOVE" => "Removed",
        _ => Words(type),
    };

    /// <summary>Whether a change replaces its resource (True, False, Conditional; none for an added or removed one).</summary>
    public static string Replacement(string? replacement) => replacement switch
    {
        "True" => "Replaced",
        "False" => "No",
        "Conditional" => "Maybe (depends on the values)",
        null or "" => "—",
        _ => replacement,
    };

    /// <summary>What a template's capability acknowledges: CAPABILITY_IAM "Creates IAM resources", and so on.</summary>
    public static string Capability(string capability) => capability switch
    {
        "CAPABILITY_IAM" => "Creates IAM resources",
        "CAPABILITY_NAMED_IAM" => "Creates named IAM resources",
        "CAPABILITY_AUTO_EXPAND" => "Expands macros",
        _ => Words(capability),
    };

    // An unknown code as words: "SOME_NEW_VALUE" → "Some new value".
    private static string Words(string code) =>
        string.IsNullOrEmpty(code) ? code : char.ToUpperInvariant(code[0]) + code[1..].Replace('_', ' ').ToLowerInvariant();
}
