using System.Globalization;
using System.Text;

namespace Portal.Web.Features.Costs;

/// <summary>
/// RFC 4180 CSV with a header row: fields with commas, quotes or line breaks are quoted, and text that a spreadsheet would run
/// as a formula (starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or carriage return) is prefixed with <c>'</c>.
/// Numbers and dates are written invariantly and never prefixed (a negative variance stays a number).
/// </summary>
public sealed class CostCsv
{
    private readonly StringBuilder _text = new();
    private readonly int _columns;

    public CostCsv(params string[] header)
    {
        ArgumentNullException.ThrowIfNull(header);
        _columns = header.Length;
        Row([.. header]);
    }

    public CostCsv Row(params object?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        if (cells.Length != _columns && _text.Length > 0)
        {
            throw new ArgumentException($"A row has {cells.Length} cells; the header has {_columns}.", nameof(cells));
        }

        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                _text.Append(',');
            }

            _text.Append(Cell(cells[i]));
        }

        _text.Append("\r\n");
        return this;
    }

    public override string ToString() => _text.ToString();

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(_text.ToString());

    public static string Cell(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString("0.######", CultureInfo.InvariantCulture),
        double d => d.ToString("0.######", CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset at => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        Guid id => id.ToString(),
        bool b => b ? "true" : "false",
        _ => Text(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""),
    };

    private static string Text(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }
}
