using System.Globalization;
using Portal.Provisioning.Jobs;

namespace Portal.Web.Features.Lifecycle;

/// <summary>The configured business hours (<c>OffHours:*</c>) in words, and when a stopped environment starts again by itself.</summary>
public sealed record OffHoursWindow(TimeOnly Start, TimeOnly End, IReadOnlyList<DayOfWeek> WorkDays, TimeZoneInfo Zone)
{
    public static OffHoursWindow From(OffHoursOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out var found) ? found : TimeZoneInfo.Utc;
        return new OffHoursWindow(options.BusinessHoursStart, options.BusinessHoursEnd, [.. options.WorkDays.Distinct().OrderBy(d => ((int)d + 6) % 7)], zone);
    }

    /// <summary>"Monday to Friday, 07:00–19:00 Europe/Berlin".</summary>
    public string Describe(DateTimeOffset now) =>
        $"{Days()}, {Start.ToString("HH:mm", CultureInfo.InvariantCulture)}–{End.ToString("HH:mm", CultureInfo.InvariantCulture)} {ZoneName(now)}";

    public string ZoneName(DateTimeOffset now) => Components.Shared.Format.ZoneLabel(Zone, now);

    public bool IsBusinessHours(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        return WorkDays.Contains(local.DayOfWeek) && time >= Start && time < End;
    }

    /// <summary>When business hours next begin after <paramref name="now"/> (the off-hours job starts stopped environments then); null without work days.</summary>
    public DateTimeOffset? NextStart(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, Zone);
        for (var day = 0; day <= 7; day++)
        {
            var date = DateOnly.FromDateTime(local.DateTime).AddDays(day);
            if (!WorkDays.Contains(date.DayOfWeek))
            {
                continue;
            }

            var start = date.ToDateTime(Start);
            var offset = Zone.GetUtcOffset(start);
            var at = new DateTimeOffset(start, offset);
            if (at > now)
            {
                return at;
            }
        }

        return null;
    }

    private string Days()
    {
        if (WorkDays.Count == 0)
        {
            return "no work days";
        }

        var ordered = WorkDays.Select(d => ((int)d + 6) % 7).ToList(); // Monday = 0
        var contiguous = ordered.Zip(ordered.Skip(1)).All(p => p.Second == p.First + 1);
        return contiguous && WorkDays.Count > 2
            ? $"{WorkDays[0]} to {WorkDays[^1]}"
            : string.Join(", ", WorkDays);
    }
}
