namespace Portal.Provisioning.Templates;

/// <summary>A template that cannot be resolved for the given parameters (bad intrinsic arguments, missing values, cycles).</summary>
public class TemplateResolveException(string message) : Exception(message);

/// <summary>Resources that depend on each other in a circle; <see cref="Cycle"/> starts and ends with the same resource.</summary>
public sealed class DependencyCycleException(IReadOnlyList<string> cycle)
    : TemplateResolveException($"Circular dependency between resources: {string.Join(" -> ", cycle)}")
{
    public IReadOnlyList<string> Cycle { get; } = cycle;
}
