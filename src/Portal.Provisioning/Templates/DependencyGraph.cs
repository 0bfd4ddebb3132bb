namespace Portal.Provisioning.Templates;

/// <summary>
/// Which resources each resource needs first. <see cref="Levels"/> groups resources whose dependencies are all in
/// earlier levels, so each level can be created in parallel; <see cref="CreationOrder"/> is the levels flattened.
/// </summary>
public sealed class DependencyGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _dependencies;
    private readonly Dictionary<string, List<string>> _dependents;

    private DependencyGraph(Dictionary<string, IReadOnlyList<string>> dependencies, IReadOnlyList<IReadOnlyList<string>> levels)
    {
        _dependencies = dependencies;
        Levels = levels;
        CreationOrder = [.. levels.SelectMany(l => l)];
        _dependents = dependencies.Keys.ToDictionary(k => k, _ => new List<string>(), StringComparer.Ordinal);
        foreach (var id in CreationOrder)
        {
            foreach (var dependency in dependencies[id])
            {
                _dependents[dependency].Add(id);
            }
        }
    }

    public IReadOnlyList<IReadOnlyList<string>> Levels { get; }

    public IReadOnlyList<string> CreationOrder { get; }

    public IReadOnlyCollection<string> Resources => _dependencies.Keys;

    /// <summary>The resources <paramref name="logicalId"/> needs before it can be created.</summary>
    public IReadOnlyList<string> DependenciesOf(string logicalId) => _dependencies[logicalId];

    /// <summary>The resources that need <paramref name="logicalId"/> (deletion runs in this direction).</summary>
    public IReadOnlyList<string> DependentsOf(string logicalId) => _dependents[logicalId];

    /// <summary>Resources not yet done whose dependencies are all done: what may start now.</summary>
    public IReadOnlyList<string> ReadyToCreate(IReadOnlySet<string> done) =>
        [.. CreationOrder.Where(id => !done.Contains(id) && _dependencies[id].All(done.Contains))];

    /// <summary>Builds the graph over <paramref name="nodes"/> (order kept within a level); edges to unknown nodes are ignored.</summary>
    /// <exception cref="DependencyCycleException">Some resources depend on each other in a circle.</exception>
    public static DependencyGraph Build(IReadOnlyList<string> nodes, Func<string, IEnumerable<string>> dependenciesOf)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(dependenciesOf);
        var known = new HashSet<string>(nodes, StringComparer.Ordinal);
        var dependencies = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            dependencies[node] = [.. dependenciesOf(node).Where(known.Contains).Distinct(StringComparer.Ordinal)];
        }

        var placed = new HashSet<string>(StringComparer.Ordinal);
        var levels = new List<IReadOnlyList<string>>();
        while (placed.Count < nodes.Count)
        {
            var level = nodes.Where(n => !placed.Contains(n) && dependencies[n].All(placed.Contains)).ToList();
            if (level.Count == 0)
            {
                throw new DependencyCycleException(FindCycle(nodes.Where(n => !placed.Contains(n)).ToList(), dependencies));
            }

            placed.UnionWith(level);
            levels.Add(level);
        }

        return new DependencyGraph(dependencies, levels);
    }

    private static List<string> FindCycle(List<string> remaining, Dictionary<string, IReadOnlyList<string>> dependencies)
    {
        // Every remaining node has a remaining dependency, so walking dependencies must revisit a node.
        var left = new HashSet<string>(remaining, StringComparer.Ordinal);
        var path = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var current = remaining[0];
        while (!index.ContainsKey(current))
        {
            index[current] = path.Count;
            path.Add(current);
            current = dependencies[current].First(left.Contains);
        }

        var cycle = path.GetRange(index[current], path.Count - index[current]);
        cycle.Add(current);
        return cycle;
    }
}
