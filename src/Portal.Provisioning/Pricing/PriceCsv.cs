using System.Text;

namespace Portal.Provisioning.Pricing;

// Reads RFC 4180 CSV (quoted fields may hold commas and doubled quotes); enough for the price files.
internal static class PriceCsv
{
    public static IEnumerable<string[]> ReadRows(TextReader reader)
    {
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            yield return Split(line);
        }
    }

    private static string[] Split(string line)
    {
        var fields = new List<string>(8);
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new FormatException($"Unterminated quoted field in CSV line: {line}");
        }

        fields.Add(field.ToString());
        return [.. fields];
    }
}
