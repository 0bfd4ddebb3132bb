namespace Portal.Web.Components.Shared;

/// <summary>
/// The signed-in user's time zone for this circuit: UTC until the browser reports its own (the layout asks once per
/// circuit), so prerendered and static pages show UTC and say so.
/// </summary>
public sealed class UserTimeZone
{
    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>Raised when the browser's zone arrives, so pages already rendered can re-render their times.</summary>
    public event Action? Changed;

    /// <summary>Whether the browser has reported a zone in this circuit (the layout asks only once).</summary>
    public bool Reported { get; private set; }

    /// <summary>Takes the browser's IANA zone id; an unknown id leaves UTC.</summary>
    public void Set(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId) || !TimeZoneInfo.TryFindSystemTimeZoneById(ianaId, out var zone))
        {
            return;
        }

        Reported = true;
        if (zone.Id == Zone.Id)
        {
            return;
        }

        Zone = zone;
        Changed?.Invoke();
    }

    public string Time(DateTimeOffset instant) => Format.Time(instant, Zone);

    public string TimeWithSeconds(DateTimeOffset instant) => Format.TimeWithSeconds(instant, Zone);

    public string Date(DateTimeOffset instant) => Format.Date(instant, Zone);
}
