using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Portal.Provisioning.Templates;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

internal sealed partial class CloudFormationApi
{
    private StackRecord NewStack(string name, CallerContext caller, DateTimeOffset now)
    {
        var uuid = new Seeded($"{caller.AccountId}|{caller.Region}|{name}|{now.UtcTicks}|{store.Count}").Guid();
        return new StackRecord
        {
            StackId = $"arn:aws:cloudformation:{caller.Region}:{caller.AccountId}:stack/{name}/{uuid}",
            StackName = name,
            Region = caller.Region,
            AccountId = caller.AccountId,
            CreationTime = now,
        };
    }

    private static void ValidateStackName(string name)
    {
        if (!StackName().IsMatch(name))
        {
            throw SandboxApiException.Validation(
                $"1 validation error detected: Value '{name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*");
        }
    }

    private static string? Token(string? token)
    {
        if (token is null)
        {
            return null;
        }

        return ClientToken().IsMatch(token) ? token
            : throw SandboxApiException.Validation(
                $"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9][-a-zA-Z0-9]*");
    }

    private (StackRecord Stack, StackOperation Op)? FindToken(CallerContext caller, string token)
    {
        foreach (var stack in Stacks(caller))
        {
            foreach (var op in stack.Operations)
            {
                if (op.ClientRequestToken == token)
                {
                    return (stack, op);
                }
            }
        }

        return null;
    }

    private static SandboxApiException TokenExists(string token) =>
        new("TokenAlreadyExistsException", $"Another Stack operation with the client request token {token} already exists.");

    private static SandboxApiException NotFound(string nameOrId) => SandboxApiException.Validation($"Stack with id {nameOrId} does not exist");

    /// <summary>UpdateStack, DescribeStackEvents and an UPDATE change set word a missing stack differently from DescribeStacks.</summary>
    private static SandboxApiException StackMissing(string nameOrId) => SandboxApiException.Validation($"Stack [{nameOrId}] does not exist");

    private IEnumerable<StackRecord> Stacks(CallerContext caller) =>
        store.Stacks.Where(s => s.AccountId == caller.AccountId && s.Region == caller.Region);

    private StackRecord? LiveStack(CallerContext caller, string name, DateTimeOffset now) =>
        Stacks(caller).FirstOrDefault(s => s.StackName == name && !StackView.IsDeleted(s, now));

    /// <summary>By name: the live stack. By id (ARN): that stack, deleted ones included when asked.</summary>
    private StackRecord? FindStack(CallerContext caller, string nameOrId, DateTimeOffset now, bool includeDeleted)
    {
        if (nameOrId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var stack = store.Find(nameOrId);
            return stack is not null && stack.AccountId == caller.AccountId && stack.Region == caller.Region
                && (includeDeleted || !StackView.IsDeleted(stack, now)) ? stack : null;
        }

        return LiveStack(caller, nameOrId, now);
    }

    private StackRecord RequireStack(CallerContext caller, string nameOrId, DateTimeOffset now) =>
        FindStack(caller, nameOrId, now, includeDeleted: false) ?? throw NotFound(nameOrId);

    private static void RequireUpdatable(StackRecord stack, DateTimeOffset now, string verb)
    {
        var status = StackView.Status(stack, now);
        if (status is not ("CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_ROLLBACK_COMPLETE" or "UPDATE_FAILED" or "IMPORT_COMPLETE"))
        {
            throw SandboxApiException.Validation($"Stack:{stack.StackId} is in {status} state and can not be {verb}.");
        }
    }

    private static void ObsoleteChangeSets(StackRecord stack)
    {
        foreach (var changeSet in stack.ChangeSets.Where(c => c.ExecutedOperationId is null))
        {
            changeSet.Obsolete = true;
        }
    }

    private static string TemplateBody(QueryArgs args)
    {
        if (args.Get("TemplateBody") is { } body)
        {
            if (Encoding.UTF8.GetByteCount(body) > MaxTemplateBody)
            {
                throw SandboxApiException.Validation(
                    $"1 validation error detected: Value '{body[..Math.Min(body.Length, 40)]}...' at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to {MaxTemplateBody}");
            }

            return body;
        }

        if (args.Get("TemplateURL") is { } url)
        {
            throw SandboxApiException.Validation($"TemplateURL must be a supported URL. The sandbox has no S3; pass TemplateBody instead of {url}.");
        }

        throw SandboxApiException.Validation("Either Template URL or Template Body must be specified.");
    }

    private static CfnTemplate ParseTemplate(string body)
    {
        CfnTemplate template;
        try
        {
            template = TemplateParser.Parse(body);
        }
        catch (TemplateParseException ex)
        {
            throw SandboxApiException.Validation($"Template format error: YAML not well-formed. ({ex.Reason}, line {ex.Line}, column {ex.Column})");
        }

        var errors = TemplateValidator.Default.Validate(template).Where(e => !e.IsWarning && !PropertyErrorCodes.Contains(e.Code)).ToList();
        if (errors.Count > 0)
        {
            throw SandboxApiException.Validation(TemplateErrorMessage(errors));
        }

        return template;
    }

    private static string TemplateErrorMessage(List<TemplateError> errors)
    {
        var unknownTypes = errors.Where(e => e.Code == TemplateErrorCodes.UnknownResourceType).ToList();
        if (unknownTypes.Count > 0)
        {
            return $"Template format error: Unrecognized resource types: [{string.Join(", ", unknownTypes.Select(e => e.Message))}]";
        }

        var unresolved = errors.Where(e => e.Code == TemplateErrorCodes.UndefinedReference).ToList();
        if (unresolved.Count > 0)
        {
            return $"Template format error: Unresolved resource dependencies in the Resources block of the template: {string.Join("; ", unresolved.Select(e => $"{e.Path}: {e.Message}"))}";
        }

        var cycle = errors.FirstOrDefault(e => e.Code == TemplateErrorCodes.DependencyCycle);
        return cycle is not null
            ? $"Circular dependency between resources: {cycle.Message}"
            : $"Template format error: {errors[0].Path}: {errors[0].Message}";
    }

    /// <summary>Given parameters; <c>UsePreviousValue</c> takes the previous value.</summary>
    private static Dictionary<string, string> Parameters(QueryArgs args, StackConfig? previous)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in args.Structs("Parameters"))
        {
            var key = p.GetValueOrDefault("ParameterKey") ?? throw SandboxApiException.Validation("ParameterKey is required.");
            if (p.GetValueOrDefault("UsePreviousValue") is "true")
            {
                result[key] = previous?.Parameters.GetValueOrDefault(key)
                    ?? throw SandboxApiException.Validation($"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template");
            }
            else
            {
                result[key] = p.GetValueOrDefault("ParameterValue") ?? "";
            }
        }

        return result;
    }

    /// <summary>
    /// AWS's wording for a value a parameter refuses: AllowedValues has its own sentence; with a ConstraintDescription that is
    /// the reason; without one, the constraint's own sentence ("must be a number not less than 1", "must match pattern ...").
    /// </summary>
    private static string ParameterProblem(CfnParameter parameter, string value, string problem)
    {
        var name = parameter.Name;
        if (parameter.AllowedValues is { Count: > 0 } allowed && !allowed.Contains(value, StringComparer.Ordinal))
        {
            return $"Parameter '{name}' must be one of AllowedValues";
        }

        if (parameter.ConstraintDescription is { Length: > 0 } description)
        {
            return $"Parameter '{name}' failed to satisfy constraint: {description}";
        }

        if (!parameter.Type.IsList)
        {
            if (parameter.Type.IsNumber)
            {
                if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return $"Parameter '{name}' must be a number";
                }

                if (parameter.MinValue is { } min && number < min)
                {
                    return $"Parameter '{name}' must be a number not less than {min.ToString(CultureInfo.InvariantCulture)}";
                }

                if (parameter.MaxValue is { } max && number > max)
                {
                    return $"Parameter '{name}' must be a number not greater than {max.ToString(CultureInfo.InvariantCulture)}";
                }
            }
            else
            {
                if (parameter.MinLength is { } minLength && value.Length < minLength)
                {
                    return $"Parameter '{name}' must contain at least {minLength.ToString(CultureInfo.InvariantCulture)} characters";
                }

                if (parameter.MaxLength is { } maxLength && value.Length > maxLength)
                {
                    return $"Parameter '{name}' must contain at most {maxLength.ToString(CultureInfo.InvariantCulture)} characters";
                }

                if (parameter.AllowedPattern is { } pattern && !Regex.IsMatch(value, $"^(?:{pattern})$", RegexOptions.None, TimeSpan.FromSeconds(1)))
                {
                    return $"Parameter '{name}' must match pattern {pattern}";
                }
            }
        }

        return $"Parameter '{name}' failed to satisfy constraint: {problem}";
    }

    private (StackConfig Config, Dictionary<string, string?> Replacements, Dictionary<string, string> Failures) BuildConfig(
        StackRecord stack, string body, Dictionary<string, string> given, QueryArgs args, StackConfig? previous, DateTimeOffset now)
    {
        var template = ParseTemplate(body);

        // On update, parameters not given keep their previous value only when asked; AWS otherwise uses defaults.
        var unknown = given.Keys.Where(k => !template.Parameters.ContainsKey(k)).ToList();
        if (unknown.Count > 0)
        {
            throw SandboxApiException.Validation($"Parameters: [{string.Join(", ", unknown)}] do not exist in the template");
        }

        var missing = template.Parameters.Values.Where(p => p.Default is null && !given.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
        {
            throw SandboxApiException.Validation($"Parameters: [{string.Join(", ", missing)}] must have values");
        }

        foreach (var (name, value) in given)
        {
            var parameter = template.Parameters[name];
            if (ParameterValidator.CheckValue(parameter, value) is { } problem)
            {
                throw SandboxApiException.Validation(ParameterProblem(parameter, value, problem));
            }
        }

        var tags = args.Structs("Tags").Select(t => new TagRecord(t.GetValueOrDefault("Key") ?? "", t.GetValueOrDefault("Value") ?? "")).ToList();
        if (tags.Count == 0 && previous is not null && args.Get("Tags.member.1.Key") is null)
        {
            tags = previous.Tags;
        }

        if (tags.Count > 50)
        {
            throw SandboxApiException.Validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50");
        }

        var capabilities = args.List("Capabilities");
        var notificationArns = args.List("NotificationARNs");
        ResolvedTemplate resolved;
        try
        {
            resolved = TemplateResolver.Resolve(template, given, new StackContext(stack.StackName, stack.Region, stack.AccountId, stack.StackId, notificationArns));
        }
        catch (DependencyCycleException ex)
        {
            throw SandboxApiException.Validation($"Circular dependency between resources: [{string.Join(", ", ex.Cycle.Distinct())}]");
        }
        catch (TemplateResolveException ex)
        {
            throw SandboxApiException.Validation($"Template error: {ex.Message}");
        }

        var iam = resolved.Resources.Values.Where(r => ResourceBehaviour.IamTypes.Contains(r.Type)).ToList();
        var named = iam.Any(r => ResourceBehaviour.IsNamedIam(r.Type, r.Properties));
        if (named && !capabilities.Contains("CAPABILITY_NAMED_IAM"))
        {
            throw new SandboxApiException("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]");
        }

        if (iam.Count > 0 && !capabilities.Contains("CAPABILITY_IAM") && !capabilities.Contains("CAPABILITY_NAMED_IAM"))
        {
            throw new SandboxApiException("InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_IAM]");
        }

        var resources = StackPlanner.Materialize(stack, resolved, previous, stack.Generation, out var replacements);
        if (previous is not null && !tags.SequenceEqual(previous.Tags))
        {
            // Stack tags propagate to every resource, so changing them modifies each one in place.
            foreach (var id in resources.Keys.Where(id => previous.Resources.ContainsKey(id)))
            {
                replacements.TryAdd(id, null);
            }
        }

        var parameters = resolved.ParameterValues
            .Where(p => template.Parameters.ContainsKey(p.Key))
            .ToDictionary(p => p.Key, p => StackPlanner.Text(p.Value), StringComparer.Ordinal);
        var config = new StackConfig
        {
            TemplateBody = body,
            Description = template.Description,
            Parameters = parameters,
            NoEchoParameters = [.. template.Parameters.Values.Where(p => p.NoEcho).Select(p => p.Name)],
            Tags = tags,
            Capabilities = capabilities,
            NotificationArns = notificationArns,
            DisableRollback = args.Bool("DisableRollback") ?? false,
            TimeoutInMinutes = args.Int("TimeoutInMinutes"),
            RoleArn = args.Get("RoleARN") ?? previous?.RoleArn,
            EnableTerminationProtection = args.Bool("EnableTerminationProtection") ?? previous?.EnableTerminationProtection ?? false,
            Resources = resources,
            CreationOrder = [.. resolved.Graph.CreationOrder],
            Dependencies = resolved.Graph.CreationOrder.ToDictionary(id => id, id => resolved.Graph.DependenciesOf(id).ToList(), StringComparer.Ordinal),
            Outputs = StackPlanner.Outputs(stack, resolved, resources),
            Usage = Usage(template, tags),
        };

        // Properties the schemas reject fail at provisioning time, as in AWS ("Properties validation failed ...").
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var error in TemplateValidator.Default.Validate(template).Concat(TemplateValidator.Default.ValidateResolved(resolved))
            .Where(e => !e.IsWarning && PropertyErrorCodes.Contains(e.Code)))
        {
            var parts = error.Path.Split('.');
            if (parts.Length >= 2 && parts[0] == "Resources" && resources.ContainsKey(parts[1]))
            {
                failures.TryAdd(parts[1], $"Properties validation failed for resource {parts[1]} with message: #: {error.Message}");
            }
        }

        return (config, replacements, failures);
    }

    /// <summary>Monthly usage from template Metadata <c>Portal::Usage</c> (an object of numbers) or the <c>portal:usage</c> tag ("key=value;key=value").</summary>
    private static Dictionary<string, decimal> Usage(CfnTemplate template, List<TagRecord> tags)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (template.Metadata?["Portal::Usage"] is JsonObject fromMetadata)
        {
            foreach (var (key, value) in fromMetadata)
            {
                if (decimal.TryParse(value?.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                {
                    usage[key] = amount;
                }
            }
        }

        if (tags.FirstOrDefault(t => t.Key == "portal:usage") is { } tag)
        {
            foreach (var pair in tag.Value.Split(';', ',', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                if (kv.Length == 2 && decimal.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                {
                    usage[kv[0].Trim()] = amount;
                }
            }
        }

        return usage;
    }

    private (StackRecord Stack, ChangeSetRecord ChangeSet) ResolveChangeSet(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var name = args.Required("ChangeSetName");
        if (name.StartsWith("arn:", StringComparison.Ordinal))
        {
            foreach (var stack in Stacks(caller))
            {
                if (stack.ChangeSets.FirstOrDefault(c => c.ChangeSetId == name) is { } byId)
                {
                    return (stack, byId);
                }
            }

            throw ChangeSetNotFound(name);
        }

        var stackName = args.Get("StackName") ?? throw SandboxApiException.Validation("StackName must be specified if ChangeSetName is not specified as an ARN.");
        var owner = FindStack(caller, stackName, now, includeDeleted: stackName.StartsWith("arn:", StringComparison.Ordinal))
            ?? throw ChangeSetNotFound(name);
        return (owner, FindChangeSet(owner, name));
    }

    private static ChangeSetRecord FindChangeSet(StackRecord stack, string nameOrId) =>
        stack.ChangeSets.FirstOrDefault(c => c.ChangeSetName == nameOrId || c.ChangeSetId == nameOrId)
            ?? throw ChangeSetNotFound(nameOrId);

    // ChangeSetNotFoundException: code ChangeSetNotFound, HTTP 404 in the service model.
    private static SandboxApiException ChangeSetNotFound(string nameOrId) => new("ChangeSetNotFound", $"ChangeSet [{nameOrId}] does not exist", 404);

    /// <summary>Pages of <see cref="PageSize"/>; the token names the last item returned, so items added meanwhile do not shift pages.</summary>
    private static (List<T> Page, string? Next) Page<T>(List<T> items, string? token, Func<T, string> key)
    {
        var start = 0;
        if (token is not null)
        {
            string last;
            try
            {
                last = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw SandboxApiException.Validation("Invalid NextToken");
            }

            var index = items.FindIndex(i => key(i) == last);
            start = index < 0 ? throw SandboxApiException.Validation("Invalid NextToken") : index + 1;
        }

        var page = items.Skip(start).Take(PageSize).ToList();
        var next = start + PageSize < items.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes(key(page[^1]))) : null;
        return (page, next);
    }

    private XElement StackXml(StackRecord stack, DateTimeOffset now)
    {
        var status = StackView.StatusEvent(stack, now);
        var config = StackView.ConfigAt(stack, now);
        return new XElement(Ns + "member",
            El("StackId", stack.StackId),
            El("StackName", stack.StackName),
            El("ChangeSetId", StackView.OperationAt(stack, now)?.ChangeSetId),
            El("Description", config.Description),
            ParametersXml(config),
            El("CreationTime", Time(stack.CreationTime)),
            El("DeletionTime", Time(StackView.DeletionTime(stack, now))),
            El("LastUpdatedTime", Time(StackView.LastUpdatedTime(stack, now))),
            new XElement(Ns + "RollbackConfiguration"),
            El("StackStatus", status.ResourceStatus),
            El("StackStatusReason", status.ResourceStatusReason),
            El("DisableRollback", config.DisableRollback ? "true" : "false"),
            new XElement(Ns + "NotificationARNs", config.NotificationArns.Select(a => Member(a))),
            El("TimeoutInMinutes", config.TimeoutInMinutes?.ToString(CultureInfo.InvariantCulture)),
            new XElement(Ns + "Capabilities", config.Capabilities.Select(c => Member(c))),
            new XElement(Ns + "Outputs", (StackView.ShowsOutputs(status.ResourceStatus) ? config.Outputs : []).Select(o => Member(
                El("OutputKey", o.OutputKey), El("OutputValue", o.OutputValue), El("Description", o.Description), El("ExportName", o.ExportName)))),
            El("RoleARN", config.RoleArn),
            new XElement(Ns + "Tags", config.Tags.Select(t => Member(El("Key", t.Key), El("Value", t.Value)))),
            El("EnableTerminationProtection", config.EnableTerminationProtection ? "true" : "false"),
            new XElement(Ns + "DriftInformation", El("StackDriftStatus", DriftStatus(stack, now))));
    }

    private static XElement ParametersXml(StackConfig config) =>
        new(Ns + "Parameters", config.Parameters.Select(p => Member(
            El("ParameterKey", p.Key),
            El("ParameterValue", config.NoEchoParameters.Contains(p.Key) ? "****" : p.Value))));

    public static XElement Result(string action, params object?[] content) => new(Ns + $"{action}Result", content);

    public static XElement? El(string name, string? value) => value is null ? null : new XElement(Ns + name, value);

    public static XElement Member(params object?[] content) => new(Ns + "member", content);

    public static string? Time(DateTimeOffset? value) =>
        value?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")]
    private static partial Regex StackName();

    [GeneratedRegex("^[a-zA-Z][-a-zA-Z0-9]{0,127}$")]
    private static partial Regex ChangeSetName();

    [GeneratedRegex("^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$")]
    private static partial Regex ClientToken();
}
