using System.Globalization;
using System.Text;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>
/// Builds an AWS query-protocol body: <c>Action=Op&amp;Version=...</c>, lists as <c>Name.member.N</c> (1-based),
/// structures as <c>Name.Member</c>, booleans lowercase, timestamps ISO 8601 UTC.
/// </summary>
internal sealed class QueryRequestWriter
{
    public const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";

    private readonly List<KeyValuePair<string, string>> _parameters = [];

    public QueryRequestWriter(string action, string version)
    {
        Add("Action", action);
        Add("Version", version);
    }

    public IReadOnlyList<KeyValuePair<string, string>> Parameters => _parameters;

    public QueryRequestWriter Add(string name, string? value)
    {
        if (value is not null)
        {
            _parameters.Add(new(name, value));
        }

        return this;
    }

    public QueryRequestWriter Add(string name, bool? value) =>
        value is null ? this : Add(name, value.Value ? "true" : "false");

    public QueryRequestWriter Add(string name, int? value) =>
        value is null ? this : Add(name, value.Value.ToString(CultureInfo.InvariantCulture));

    public QueryRequestWriter Add(string name, DateTimeOffset? value) =>
        value is null ? this : Add(name, value.Value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    /// <summary>A list of strings; an empty (non-null) list is sent as <c>Name=</c>, which clears it.</summary>
    public QueryRequestWriter AddList(string name, IReadOnlyList<string>? values) =>
        AddList(name, values, static (writer, prefix, value) => writer.Add(prefix, value));

    public QueryRequestWriter AddList<T>(string name, IReadOnlyList<T>? items, Action<QueryRequestWriter, string, T> writeItem)
    {
        ArgumentNullException.ThrowIfNull(writeItem);
        if (items is null)
        {
            return this;
        }

        if (items.Count == 0)
        {
            return Add(name, "");
        }

        for (var i = 0; i < items.Count; i++)
        {
            writeItem(this, $"{name}.member.{i + 1}", items[i]);
        }

        return this;
    }

    public byte[] ToBody() =>
        Encoding.UTF8.GetBytes(string.Join("&", _parameters.Select(p => $"{AwsSigV4Signer.UriEncode(p.Key)}={AwsSigV4Signer.UriEncode(p.Value)}")));
}
