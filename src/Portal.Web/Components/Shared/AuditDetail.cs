using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Portal.Web.Components.Shared;

/// <summary>One readable line of an audit entry's detail: a field and its value, or a change "before → after".</summary>
public sealed record AuditDetailLine(string Field, string? Before, string After)
{
    public bool IsChange => Before is not null;
}

/// <summary>
/// Reads an audit entry's detail JSON (<c>{"from":"Provisioning","to":"Ready","stackId":"arn:…"}</c>) as lines a person reads:
/// "Status: Provisioning → Ready", "Stack id: arn:…". Times are shown in the user's zone, nested values as compact JSON.
/// </summary>
public static class AuditDetail
{
    /// <summary>The detail's lines; none for an empty object, one "Detail" line for anything that is not a JSON object.</summary>
    public static IReadOnlyList<AuditDetailLine> Lines(string action, string detailJson, TimeZoneInfo zone)
    {
        if (string.IsNullOrWhiteSpace(detailJson))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(detailJson);
        }
        catch (JsonException)
        {
            return [new AuditDetailLine("Detail", null, detailJson)];
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return [new AuditDetailLine("Detail", null, Value(document.RootElement, zone))];
            }

            var properties = document.RootElement.EnumerateObject().ToList();
            var lines = new List<AuditDetailLine>();
            var from = properties.FirstOrDefault(p => p.NameEquals("from"));
            var to = properties.FirstOrDefault(p => p.NameEquals("to"));
            var hasChange = from.Value.ValueKind != JsonValueKind.Undefined && to.Value.ValueKind != JsonValueKind.Undefined;
            if (hasChange)
            {
                lines.Add(new AuditDetailLine(ChangedField(action), Value(from.Value, zone), Value(to.Value, zone)));
            }

            foreach (var property in properties)
            {
                if (hasChange && (property.NameEquals("from") || property.NameEquals("to")))
                {
                    continue;
                }

                lines.Add(new AuditDetailLine(Words(property.Name), null, Value(property.Value, zone)));
            }

            return lines;
        }
    }

    /// <summary>What a "from → to" pair changed, by the action that recorded it.</summary>
    private static string ChangedField(string action) => action switch
    {
        "environment.schedule-changed" => "Off-hours schedule",
        "environment.extended" => "Expires",
        _ => "Status",
    };

    private static string Value(JsonElement value, TimeZoneInfo zone) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "—",
        JsonValueKind.True => "on",
        JsonValueKind.False => "off",
        JsonValueKind.String when value.GetString() is { } text && LooksLikeTime(text, out var instant) => Format.Time(instant, zone),
        JsonValueKind.String => value.GetString() is { Length: > 0 } text ? text : "(empty)",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind is JsonValueKind.String or JsonValueKind.Number) =>
            value.GetArrayLength() == 0 ? "(none)" : string.Join(", ", value.EnumerateArray().Select(e => Value(e, zone))),
        JsonValueKind.Object or JsonValueKind.Array => value.GetRawText(),
        _ => value.GetRawText(),
    };

    // Only full ISO timestamps ("2026-12-06T14:05:00+00:00"), so names and ids are never read as times.
    private static bool LooksLikeTime(string text, out DateTimeOffset instant)
    {
        instant = default;
        return text.Length >= 19 && text[4] == '-' && text[10] == 'T'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
    }

    /// <summary>"stackId" → "Stack id", "monthlyUsd" → "Monthly usd".</summary>
    public static string Words(string name)
    {
        var words = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i == 0)
            {
                words.Append(char.ToUpperInvariant(c));
            }
            else if (char.IsUpper(c) && !char.IsUpper(name[i - 1]))
            {
                words.Append(' ').Append(char.ToLowerInvariant(c));
            }
            else
            {
                words.Append(c == '_' ? ' ' : c);
            }
        }

        return words.ToString();
    }
}
