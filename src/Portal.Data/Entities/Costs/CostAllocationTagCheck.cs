namespace Portal.Data.Entities.Costs;

/// <summary>
/// The last check of one of Portal's cost allocation tags in one (payer) account: its status as Cost Explorer reported it,
/// after activation where permitted, and the error that stopped activation (e.g. AccessDeniedException). Key: (account, tag).
/// </summary>
public sealed class CostAllocationTagCheck
{
    public const int MaxErrorLength = 1000;

    /// <summary>Status of a tag Cost Explorer does not list (AWS lists a tag only once a resource has used it).</summary>
    public const string NotFound = "NotFound";

    /// <summary>Status when the check itself failed (the error says why).</summary>
    public const string Unknown = "Unknown";

    public string AccountId { get; private set; } = "";

    public string TagKey { get; private set; } = "";

    /// <summary><c>Active</c>, <c>Inactive</c>, <see cref="NotFound"/> or <see cref="Unknown"/>.</summary>
    public string Status { get; private set; } = "";

    public DateTimeOffset CheckedAt { get; private set; }

    /// <summary>Portal activated the tag in this check.</summary>
    public bool ActivatedByPortal { get; private set; }

    public string? Error { get; private set; }

    public bool IsActive => Status == "Active";

    private CostAllocationTagCheck()
    {
    }

    public static CostAllocationTagCheck Create(string accountId, string tagKey) => new() { AccountId = accountId, TagKey = tagKey };

    public void Record(string status, bool activated, string? error, DateTimeOffset now)
    {
        (Status, ActivatedByPortal, CheckedAt) = (status, activated, now);
        Error = error is null ? null : error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
    }
}
