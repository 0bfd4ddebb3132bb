using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Portal.Provisioning.Aws.CostExplorer;

/// <summary>JSON 1.1 bodies: member names as in the model, nulls omitted, amounts read from strings as invariant decimals.</summary>
internal static class CostExplorerJson
{
    public const string ContentType = "application/x-amz-json-1.1";
    public const string TargetPrefix = "AWSInsightsIndexService";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new InvariantDecimalConverter() },
    };

    public static byte[] Serialize<T>(T request) => JsonSerializer.SerializeToUtf8Bytes(request, Options);

    public static T Deserialize<T>(string body, string operation) =>
        JsonSerializer.Deserialize<T>(string.IsNullOrWhiteSpace(body) ? "{}" : body, Options)
            ?? throw new InvalidDataException($"Cost Explorer {operation} returned an empty body.");

    private sealed class InvariantDecimalConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                return decimal.Parse(reader.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);
            }

            return reader.TokenType == JsonTokenType.Number
                ? reader.GetDecimal()
                : throw new JsonException($"Expected an amount, got {reader.TokenType}.");
        }

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
