namespace Portal.Provisioning.Templates;

/// <summary>A template (or manifest) that is not well-formed YAML/JSON; <see cref="Line"/> and <see cref="Column"/> are 1-based.</summary>
public sealed class TemplateParseException(string message, int line, int column, Exception? inner = null)
    : Exception($"({line},{column}): {message}", inner)
{
    public int Line { get; } = line;

    public int Column { get; } = column;

    public string Reason { get; } = message;
}
