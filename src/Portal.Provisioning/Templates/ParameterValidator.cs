using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Provisioning.Templates;

/// <summary>One problem with one requested parameter value.</summary>
public sealed record ParameterError(string Parameter, string Message);

/// <summary>Checks parameter values against the template's declared types and constraints, as CloudFormation does.</summary>
public static class ParameterValidator
{
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    // Shapes of the AWS-specific parameter types CloudFormation checks against the account; offline we check the id format.
    private static readonly Dictionary<string, Regex> AwsIdFormats = new(StringComparer.Ordinal)
    {
        ["AWS::EC2::VPC::Id"] = new("^vpc-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::Subnet::Id"] = new("^subnet-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::SecurityGroup::Id"] = new("^sg-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::Image::Id"] = new("^ami-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::Instance::Id"] = new("^i-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::Volume::Id"] = new("^vol-[0-9a-f]+$", RegexOptions.CultureInvariant),
        ["AWS::EC2::AvailabilityZone::Name"] = new("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", RegexOptions.CultureInvariant),
        ["AWS::Route53::HostedZone::Id"] = new("^[A-Z0-9]{1,32}$", RegexOptions.CultureInvariant),
    };

    /// <summary>
    /// Validates a request's values: every supplied name must be a parameter, every parameter without a
    /// <c>Default</c> must be supplied, and every value must satisfy its constraints. One error per parameter at most.
    /// </summary>
    public static IReadOnlyList<ParameterError> Validate(CfnTemplate template, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(values);
        var errors = new List<ParameterError>();
        foreach (var name in values.Keys.Where(k => !template.Parameters.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            errors.Add(new ParameterError(name, $"'{name}' is not a parameter of this template."));
        }

        foreach (var parameter in template.Parameters.Values)
        {
            if (!values.TryGetValue(parameter.Name, out var value))
            {
                if (parameter.Default is null)
                {
                    errors.Add(new ParameterError(parameter.Name, $"{Label(parameter)} is required."));
                }

                continue;
            }

            if (CheckValue(parameter, value) is { } message)
            {
                errors.Add(new ParameterError(parameter.Name, message));
            }
        }

        return errors;
    }

    /// <summary>The first constraint <paramref name="value"/> breaks, as a message for a person; null when it is valid.</summary>
    public static string? CheckValue(CfnParameter parameter, string value)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        ArgumentNullException.ThrowIfNull(value);
        var type = parameter.Type;
        if (type.IsSsmParameter)
        {
            // The value names an SSM parameter; its content is only known to AWS.
            return value.Length == 0 ? $"{Label(parameter)} must name an SSM parameter." : null;
        }

        if (type.IsList)
        {
            var items = value.Length == 0 ? [] : value.Split(',').Select(s => s.Trim()).ToArray();
            foreach (var item in items)
            {
                if (CheckItem(parameter, item, $"each item of {Label(parameter)}") is { } message)
                {
                    return message;
                }
            }

            return null;
        }

        return CheckItem(parameter, value, Label(parameter));
    }

    private static string? CheckItem(CfnParameter parameter, string value, string subject)
    {
        var type = parameter.Type;
        decimal number = 0;
        if (type.IsNumber && !decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            return $"{subject} must be a number; '{value}' is not.";
        }

        if (type.IsAwsSpecific && AwsIdFormats.TryGetValue(type.ItemType, out var format) && !format.IsMatch(value))
        {
            return $"{subject} must be an {type.ItemType}; '{value}' is not.";
        }

        if (parameter.AllowedValues is { Count: > 0 } allowed && !allowed.Any(a => Same(a, value, type.IsNumber)))
        {
            return Constraint(parameter, $"{subject} must be one of: {string.Join(", ", allowed)}.");
        }

        if (parameter.AllowedPattern is { } pattern && !type.IsNumber && !FullMatch(pattern, value))
        {
            return Constraint(parameter, $"{subject} must match the pattern {pattern}.");
        }

        if (!type.IsNumber && !type.IsList)
        {
            if (parameter.MinLength is { } min && value.Length < min)
            {
                return Constraint(parameter, $"{subject} must be at least {min} characters long.");
            }

            if (parameter.MaxLength is { } max && value.Length > max)
            {
                return Constraint(parameter, $"{subject} must be at most {max} characters long.");
            }
        }

        if (type.IsNumber)
        {
            if (parameter.MinValue is { } min && number < min)
            {
                return Constraint(parameter, $"{subject} must be at least {min.ToString(CultureInfo.InvariantCulture)}.");
            }

            if (parameter.MaxValue is { } max && number > max)
            {
                return Constraint(parameter, $"{subject} must be at most {max.ToString(CultureInfo.InvariantCulture)}.");
            }
        }

        return null;
    }

    private static bool Same(string allowed, string value, bool numeric) =>
        allowed == value
        || (numeric
            && decimal.TryParse(allowed, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            && decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            && a == v);

    /// <summary>CloudFormation's AllowedPattern must match the whole value, not a substring.</summary>
    internal static bool FullMatch(string pattern, string value)
    {
        var regex = Patterns.GetOrAdd(pattern, p =>
        {
            try
            {
                return new Regex($"^(?:{p})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException)
            {
                return null;
            }
        });
        return regex is null || regex.IsMatch(value);
    }

    internal static bool IsValidPattern(string pattern)
    {
        FullMatch(pattern, "");
        return Patterns.TryGetValue(pattern, out var regex) && regex is not null;
    }

    private static string Label(CfnParameter parameter) => parameter.Name;

    private static string Constraint(CfnParameter parameter, string fallback) =>
        string.IsNullOrWhiteSpace(parameter.ConstraintDescription) ? fallback : $"{parameter.Name}: {parameter.ConstraintDescription}";
}
