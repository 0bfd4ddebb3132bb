using Microsoft.AspNetCore.Components;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using Portal.Web.Security;

namespace Portal.Web.Features.Catalog;

public sealed partial class RequestForm
{
    private readonly Dictionary<string, string> _userValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _tiers = [];
    private IReadOnlyList<(string Label, IReadOnlyList<CfnParameter> Parameters)> _groups = [];
    private IReadOnlyList<ReadyNetwork> _networks = [];
    private string _tier = "dev";
    private string _region = CatalogQueries.DefaultRegion;
    private Guid? _network;
    private EstimateResult? _result;
    private CostEstimate? _shown;
    private bool _stale;
    private bool _sample;
    private bool _showAll;
    private CatalogEntry? _shownEntry;
    private string? _shownTier;
    private IReadOnlyDictionary<string, string> _errors = new Dictionary<string, string>();

    [Inject]
    public required CatalogQueries Catalog { get; init; }

    [Inject]
    public required LifecycleActors Actors { get; init; }

    [Inject]
    public required CurrentUser CurrentUser { get; init; }

    [Parameter, EditorRequired]
    public CatalogEntry Entry { get; set; } = default!;

    [Parameter]
    public string? Tier { get; set; }

    /// <summary>Rendered under the estimate with the form's current state (e.g. a submit button).</summary>
    [Parameter]
    public RenderFragment<RequestFormState>? ChildContent { get; set; }

    [Parameter]
    public EventCallback<RequestFormState> StateChanged { get; set; }

    /// <summary>Errors the request service reported for the form's fields (parameter names, <c>tier</c>, <c>region</c>); live validation wins.</summary>
    [Parameter]
    public IReadOnlyDictionary<string, string>? ServerErrors { get; set; }

    public RequestFormState State => new(Entry.Slug, _tier, _region, new Dictionary<string, string>(_userValues), _result);

    /// <summary>Shows every field's error, touched or not (the user tried to submit).</summary>
    public void ShowAllErrors()
    {
        _showAll = true;
        StateHasChanged();
    }

    protected override async Task OnInitializedAsync()
    {
        var actor = await Actors.ForAsync(await CurrentUser.GetPrincipalAsync(), CancellationToken.None);
        _networks = await Catalog.ReadyNetworksAsync(actor, CancellationToken.None);
    }

    protected override void OnParametersSet()
    {
        // The parent re-renders (e.g. with server errors): keep the user's choices unless the template or preset tier changed.
        if (ReferenceEquals(Entry, _shownEntry) && Tier == _shownTier)
        {
            return;
        }

        _shownEntry = Entry;
        _shownTier = Tier;
        _tiers = [.. CatalogQueries.OrderedTiers(Entry)];
        _tier = Tier is not null && _tiers.Contains(Tier) ? Tier : _tiers[0];
        _groups = Groups(Entry.Template);
        Recalculate();
    }

    private async Task OnTierChangedAsync(string tier)
    {
        _tier = tier;
        await ChangedAsync();
    }

    private async Task OnRegionChangedAsync(string region)
    {
        _region = region;
        await ChangedAsync();
    }

    private async Task OnValueChangedAsync(string name, string? value)
    {
        _userValues[name] = value ?? "";
        _touched.Add(name);
        await ChangedAsync();
    }

    private void OnBlur(string name)
    {
        if (_userValues.ContainsKey(name))
        {
            _touched.Add(name);
        }
    }

    /// <summary>Fills the VPC and subnet parameters from a Ready network's outputs, and its region.</summary>
    private async Task OnNetworkChangedAsync(Guid? id)
    {
        _network = id;
        if (_networks.FirstOrDefault(n => n.Id == id) is not { } network)
        {
            return;
        }

        foreach (var parameter in Entry.Template.Parameters.Values.Where(p => IsUserParameter(p.Name)))
        {
            var value = parameter.Type.ItemType switch
            {
                "AWS::EC2::VPC::Id" when !parameter.Type.IsList => network.VpcId,
                "AWS::EC2::Subnet::Id" when parameter.Type.IsList => network.DatabaseSubnetIds is { Length: > 0 } && parameter.Name.Contains("Db", StringComparison.OrdinalIgnoreCase)
                    ? network.DatabaseSubnetIds
                    : network.PrivateSubnetIds ?? network.DatabaseSubnetIds,
                _ => null,
            };
            if (value is not null)
            {
                _userValues[parameter.Name] = value;
                _touched.Add(parameter.Name);
            }
        }

        if (PriceCatalog.SupportedRegions.Contains(network.Region))
        {
            _region = network.Region;
        }

        await ChangedAsync();
    }

    private async Task ChangedAsync()
    {
        Recalculate();
        await StateChanged.InvokeAsync(State);
    }

    private void Recalculate()
    {
        _result = Catalog.Estimate(Entry, new EstimateRequest(_tier, _region, _userValues));
        _errors = _result.Errors.GroupBy(e => e.Parameter)
            .ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => ForPerson(e.Parameter, e.Message))));
        if (_result.Estimate is { } estimate && _result.IsValid)
        {
            (_shown, _stale, _sample) = (estimate, false, false);
            return;
        }

        // Only fields not yet filled in are wrong (a VPC to choose, say): price with stand-in ids, which do not change the price.
        if (_errors.Keys.All(k => !_userValues.ContainsKey(k)))
        {
            var filled = new Dictionary<string, string>(EnvironmentEstimator.PreviewUserValues(Entry), StringComparer.Ordinal);
            foreach (var (key, value) in _userValues)
            {
                filled[key] = value;
            }

            if (Catalog.Estimate(Entry, new EstimateRequest(_tier, _region, filled)) is { IsValid: true, Estimate: { } sample })
            {
                (_shown, _stale, _sample) = (sample, false, true);
                return;
            }
        }

        // A value the user entered is wrong: keep the last valid estimate, marked as such.
        _stale = _shown is not null;
        _sample = false;
    }

    /// <summary>The errors to show: a field's own once it was touched (or on submit), and the service's.</summary>
    private IReadOnlyDictionary<string, string> Errors
    {
        get
        {
            var live = _showAll ? _errors : _errors.Where(e => _touched.Contains(e.Key) || e.Key is "tier" or "region").ToDictionary();
            return ServerErrors is not { Count: > 0 } server
                ? live
                : server.Where(e => !live.ContainsKey(e.Key)).Select(e => KeyValuePair.Create(e.Key, ForPerson(e.Key, e.Value))).Concat(live).ToDictionary();
        }
    }

    /// <summary>A validator's message with the parameter's label instead of its key ("AlarmEmail: …" → "E-mail for alarm notifications: …").</summary>
    private string ForPerson(string name, string message)
    {
        if (!Entry.Template.Parameters.TryGetValue(name, out var parameter))
        {
            return message;
        }

        var label = Label(parameter);
        return message.StartsWith(name, StringComparison.Ordinal) ? label + message[name.Length..] : message.Replace($"of {name} ", $"of {label} ", StringComparison.Ordinal);
    }

    private bool NeedsNetwork((string Label, IReadOnlyList<CfnParameter> Parameters) group) =>
        group.Parameters.Any(p => IsUserParameter(p.Name) && p.Type.ItemType == "AWS::EC2::VPC::Id" && !p.Type.IsList);

    private bool IsUserParameter(string name) => Entry.Manifest.UserParameters.Contains(name);

    private bool IsPortalParameter(string name) => Entry.Manifest.PortalParameters.ContainsKey(name);

    private string Effective(string name) =>
        _userValues.TryGetValue(name, out var value) ? value
        : Entry.Manifest.Tiers[_tier].Parameters.TryGetValue(name, out var preset) ? preset ?? ""
        : Entry.Template.Parameters[name].Default ?? "";

    private string Label(CfnParameter parameter) =>
        Entry.Template.Interface?.ParameterLabels.GetValueOrDefault(parameter.Name) ?? parameter.Name;

    private static bool IsLong(string label) => label.Length > 40;

    private static string? Hint(CfnParameter parameter) => parameter.Description
        ?? (parameter.Type.IsList ? "Comma-separated values." : null);

    private static IReadOnlyList<(string Label, IReadOnlyList<CfnParameter> Parameters)> Groups(CfnTemplate template)
    {
        var groups = new List<(string, IReadOnlyList<CfnParameter>)>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in template.Interface?.ParameterGroups ?? [])
        {
            var parameters = group.Parameters.Where(template.Parameters.ContainsKey).Where(placed.Add).Select(p => template.Parameters[p]).ToList();
            if (parameters.Count > 0)
            {
                groups.Add((group.Label ?? "Parameters", parameters));
            }
        }

        var rest = template.Parameters.Values.Where(p => placed.Add(p.Name)).ToList();
        if (rest.Count > 0)
        {
            groups.Add(("Other parameters", rest));
        }

        return groups;
    }
}
