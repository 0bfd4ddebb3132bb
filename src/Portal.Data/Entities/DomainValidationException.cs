namespace Portal.Data.Entities;

/// <summary>Thrown when an entity rule is broken; carries one message per field so callers can show them beside inputs.</summary>
public sealed class DomainValidationException(IReadOnlyDictionary<string, string> errors)
    : Exception(string.Join(" ", errors.Values))
{
    public IReadOnlyDictionary<string, string> Errors { get; } = errors;

    public DomainValidationException(string field, string message)
        : this(new Dictionary<string, string> { [field] = message })
    {
    }
}
