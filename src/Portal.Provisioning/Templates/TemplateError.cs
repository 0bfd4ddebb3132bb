namespace Portal.Provisioning.Templates;

public enum TemplateErrorSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One finding of <see cref="TemplateValidator"/>. <see cref="Path"/> is dotted from the template root
/// (<c>Resources.ApiService.Properties.DesiredCount</c>, list items as <c>[0]</c>); <see cref="Code"/> is one of
/// <see cref="TemplateErrorCodes"/>. Warnings do not make a template invalid.
/// </summary>
public sealed record TemplateError(string Path, string Code, string Message, TemplateErrorSeverity Severity = TemplateErrorSeverity.Error)
{
    public bool IsWarning => Severity == TemplateErrorSeverity.Warning;

    public override string ToString() => $"{Path}: [{Code}] {Message}";
}

/// <summary>The codes <see cref="TemplateValidator"/> reports.</summary>
public static class TemplateErrorCodes
{
    public const string UnknownSection = "UnknownSection";
    public const string NoResources = "NoResources";
    public const string InvalidSection = "InvalidSection";
    public const string MissingResourceType = "MissingResourceType";
    public const string UnknownResourceType = "UnknownResourceType";
    public const string SchemaUnavailable = "SchemaUnavailable";
    public const string UnknownResourceAttribute = "UnknownResourceAttribute";
    public const string InvalidDeletionPolicy = "InvalidDeletionPolicy";
    public const string UnknownProperty = "UnknownProperty";
    public const string TypeMismatch = "TypeMismatch";
    public const string NullValue = "NullValue";
    public const string InvalidValue = "InvalidValue";
    public const string ValueOutOfRange = "ValueOutOfRange";
    public const string RequiredPropertyMissing = "RequiredPropertyMissing";
    public const string ConflictingProperties = "ConflictingProperties";
    public const string UnknownAttribute = "UnknownAttribute";
    public const string UndefinedReference = "UndefinedReference";
    public const string ResourceReferenceInCondition = "ResourceReferenceInCondition";
    public const string UndefinedCondition = "UndefinedCondition";
    public const string MalformedFunction = "MalformedFunction";
    public const string UnknownFunction = "UnknownFunction";
    public const string UnknownMapping = "UnknownMapping";
    public const string UnknownMappingKey = "UnknownMappingKey";
    public const string InvalidParameterType = "InvalidParameterType";
    public const string InvalidParameterPattern = "InvalidParameterPattern";
    public const string InvalidParameterDefault = "InvalidParameterDefault";
    public const string UnusedParameter = "UnusedParameter";
    public const string MissingOutputValue = "MissingOutputValue";
    public const string OutputWithoutReference = "OutputWithoutReference";
    public const string DependencyCycle = "DependencyCycle";
    public const string InvalidLogicalId = "InvalidLogicalId";
    public const string OutputNotString = "OutputNotString";
}
