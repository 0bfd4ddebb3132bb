using System.Globalization;
using Portal.Data.Entities;

namespace Portal.Web.Components.Shared;

/// <summary>
/// How every page writes money, dates, times and roles: "$5,000.00", "2026-12-06", "2026-12-06 14:05 CET",
/// "Platform engineer". One place, so a page never formats these on its own.
/// </summary>
public static class Format
{
    private static readonly CultureInfo Usd = CultureInfo.GetCultureInfo("en-US");

    /// <summary>US dollars with thousands separators and two decimals: "$5,000.00", "-$12.50".</summary>
    public static string Money(decimal amount) => amount.ToString("C2", Usd);

    /// <summary>US dollars without cents, for chart axes and tight cells: "$5,000".</summary>
    public static string MoneyWhole(decimal amount) => amount.ToString("C0", Usd);

    /// <summary>A count with a thousands separator and the right noun: "1 call", "1,204 calls".</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        $"{count.ToString("N0", Usd)} {(count == 1 ? singular : plural ?? singular + "s")}";

    /// <summary>A percentage with one decimal: "10.8%".</summary>
    public static string Percent(decimal fraction) => (fraction * 100m).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    /// <summary>ISO date: "2026-12-06".</summary>
    public static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>ISO date of an instant in the given zone.</summary>
    public static string Date(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Date and time in the given zone, with the zone shown: "2026-12-06 14:05 UTC".</summary>
    public static string Time(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return $"{local.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} {ZoneLabel(zone, local)}";
    }

    /// <summary>Date and time with seconds, for event streams: "2026-12-06 14:05:09 UTC".</summary>
    public static string TimeWithSeconds(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return $"{local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} {ZoneLabel(zone, local)}";
    }

    /// <summary>A short label for the zone at that instant: "UTC", else the IANA id ("Europe/Berlin") and its offset.</summary>
    public static string ZoneLabel(TimeZoneInfo zone, DateTimeOffset at)
    {
        if (zone == TimeZoneInfo.Utc || zone.Id is "UTC" or "Etc/UTC")
        {
            return "UTC";
        }

        var offset = zone.GetUtcOffset(at);
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        return $"{zone.Id} (UTC{sign}{offset.Duration():hh\\:mm})";
    }

    /// <summary>A role in words: "Platform engineer".</summary>
    public static string Role(string role) => role switch
    {
        PortalRoles.Developer => "Developer",
        PortalRoles.PlatformEngineer => "Platform engineer",
        PortalRoles.Finance => "Finance",
        PortalRoles.Admin => "Admin",
        _ => role,
    };
}
