using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Features.Costs;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Security;
using Radzen;

namespace Portal.Web.Features.Environments;

/// <summary>One environment, live: status, stack events, outputs, resources, and the day-2 actions.</summary>
public sealed partial class EnvironmentDetailPage : IDisposable
{
    private const int EventsShown = 500;
    private const int CostPanelDays = 30;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    public required EnvironmentQueries Queries { get; init; }

    [Inject]
    public required LifecycleActors Actors { get; init; }

    [Inject]
    public required CurrentUser CurrentUser { get; init; }

    [Inject]
    public required LifecycleSignals Signals { get; init; }

    [Inject]
    public required RequestWorkflow Workflow { get; init; }

    [Inject]
    public required EnvironmentCommands Commands { get; init; }

    [Inject]
    public required CatalogProvider Catalog { get; init; }

    [Inject]
    public required DialogService Dialogs { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required CostDashboardQueries Costs { get; init; }

    [Inject]
    public required IOptions<AwsOptions> Aws { get; init; }

    [Inject]
    public required CostForecasts Forecasts { get; init; }

    private LifecycleActor? _actor;
    private EnvironmentDetail? _environment;
    private IReadOnlyList<StackEventRow> _events = [];
    private bool _notFound;
    private bool _busy;
    private Outcome? _outcome;
    private int _extendHours = 72;
    private int _maxTtlHours;
    private bool _offHoursSupported;
    private IDisposable? _subscription;
    private LiveRefresh? _refresh;
    private EnvironmentCosts? _costs;
    private CostForecast? _forecast;

    private bool IsSandbox => Aws.Value.Mode == AwsMode.Sandbox;

    private bool InFlight => _environment is { Status: var status } && (status == EnvironmentStatus.Requested || StackWatcher.InFlight.Contains(status));

    /// <summary>Members of the environment's team and platform engineers change it; finance and admins only look.</summary>
    private bool CanChange => _actor is not null && _environment is not null
        && _environment.Status is not (EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed)
        && (_actor.IsPlatformEngineer || IsMember);

    private bool IsMember { get; set; }

    private bool CanUpdate => CanChange && _environment?.Status is EnvironmentStatus.Ready or EnvironmentStatus.Failed;

    private bool CanDestroy => CanChange;

    private bool CanRetry => CanChange && _environment is { Status: EnvironmentStatus.Failed, FailedFrom: EnvironmentStatus.Provisioning or EnvironmentStatus.Requested };

    protected override async Task OnInitializedAsync()
    {
        _actor = await Actors.ForAsync(await CurrentUser.GetPrincipalAsync(), CancellationToken.None);
        _refresh = new LiveRefresh(() => InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        }), TimeSpan.FromMilliseconds(300));
        _subscription = Signals.Subscribe(change =>
        {
            if (change.EnvironmentId == Id || (change.Kind == LifecycleChangeKind.Environment && change.Id == Guid.Empty))
            {
                _refresh.Trigger();
            }

            return Task.CompletedTask;
        });
    }

    protected override async Task OnParametersSetAsync()
    {
        _outcome = null;
        await LoadAsync();
        _offHoursSupported = _environment is { } env && Catalog.Current.Find(env.Template)?.Manifest.OffHours.Count > 0;
        if (_environment is { } e && Catalog.Current.Find(e.Template)?.Manifest.Tiers.GetValueOrDefault(e.Tier)?.Ttl is { } ttl)
        {
            _extendHours = ttl.DefaultHours > 0 ? ttl.DefaultHours : 72;
            _maxTtlHours = ttl.MaxHours;
        }

        // Daily costs change once a day: read with the page, not on every live refresh.
        _costs = _actor is not null && _environment is not null ? await Costs.EnvironmentAsync(_actor, Id, CostPanelDays, CancellationToken.None) : null;
        _forecast = _costs is not null ? await Forecasts.ForEnvironmentAsync(Id, Clock.GetUtcNow(), CancellationToken.None) : null;
    }

    private async Task LoadAsync()
    {
        if (_actor is null)
        {
            return;
        }

        try
        {
            _environment = await Queries.GetAsync(_actor, Id, CancellationToken.None);
            _events = await Queries.RecentEventsAsync(_actor, Id, EventsShown, CancellationToken.None);
            _notFound = false;
            IsMember = _actor.IsMemberOf(_environment.TeamId);
        }
        catch (LifecycleNotFoundException)
        {
            _notFound = true;
            _environment = null;
        }
    }

    private async Task ExtendAsync() => await ActAsync(async () =>
    {
        var outcome = await Workflow.SubmitAsync(_actor!, new SubmitRequest("extend", EnvironmentId: Id, TtlHours: _extendHours, Justification: "Extended from the environment page."), CancellationToken.None);
        await LoadAsync();
        return Describe("Extension", outcome, $"It now expires {(_environment?.ExpiresAt is { } at ? Time(at) + " UTC" : "never")}.");
    });

    private async Task SetScheduleAsync(bool enabled) => await ActAsync(async () =>
    {
        await Commands.SetOffHoursScheduleAsync(_actor!, Id, enabled, CancellationToken.None);
        await LoadAsync();
        return new Outcome(AlertStyle.Success, enabled ? "Off-hours schedule on: the environment stops outside business hours." : "Off-hours schedule off.");
    });

    private async Task RetryAsync() => await ActAsync(async () =>
    {
        await Commands.RetryAsync(_actor!, Id, CancellationToken.None);
        await LoadAsync();
        return new Outcome(AlertStyle.Info, "Retrying: the portal creates the stack again.");
    });

    private async Task UpdateAsync()
    {
        var e = _environment!;
        var parameters = Catalog.Current.Find(e.Template)?.Manifest.UserParameters ?? [];
        var result = await Dialogs.OpenAsync<UpdateDialog>($"Update {e.Name}", new Dictionary<string, object?>
        {
            ["EnvironmentId"] = Id,
            ["Parameters"] = parameters,
            ["Current"] = e.Parameters,
            ["Actor"] = _actor,
        }, new DialogOptions { Width = "44rem" });
        if (result is RequestOutcome outcome)
        {
            await LoadAsync();
            _outcome = Describe("Update", outcome, "CloudFormation applies the change set now.");
        }
    }

    private async Task DestroyAsync()
    {
        var e = _environment!;
        var result = await Dialogs.OpenAsync<DestroyDialog>($"Destroy {e.Name}?", new Dictionary<string, object?>
        {
            ["EnvironmentId"] = Id,
            ["Name"] = e.Name,
            ["StackName"] = e.StackName,
            ["Actor"] = _actor,
        }, new DialogOptions { Width = "34rem" });
        if (result is RequestOutcome outcome)
        {
            await LoadAsync();
            _outcome = Describe("Destroy", outcome, "The stack is being deleted.");
        }
    }

    private async Task ActAsync(Func<Task<Outcome>> action)
    {
        _busy = true;
        try
        {
            _outcome = await action();
        }
        catch (Exception e) when (LifecycleProblems.Message(e) is { } message)
        {
            _outcome = new Outcome(AlertStyle.Danger, message);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private static Outcome Describe(string what, RequestOutcome outcome, string whenApproved) => outcome.Status switch
    {
        RequestStatus.Approved or RequestStatus.Completed => new Outcome(AlertStyle.Success, $"{what} approved: {outcome.Reason.TrimEnd('.')}. {whenApproved}"),
        RequestStatus.PendingApproval => new Outcome(AlertStyle.Info,
            $"{what} requested; it waits for {outcome.ApprovalsRequired} approval{(outcome.ApprovalsRequired == 1 ? "" : "s")}: {outcome.Reason}"),
        RequestStatus.Rejected => new Outcome(AlertStyle.Danger, $"{what} rejected: {outcome.Reason}"),
        RequestStatus.Cancelled or RequestStatus.Failed => new Outcome(AlertStyle.Warning, $"{what} {outcome.Status.ToString().ToLowerInvariant()}: {outcome.Reason}"),
        _ => new Outcome(AlertStyle.Info, $"{what}: {outcome.Status}"),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private string Relative(DateTimeOffset at)
    {
        var left = at - Clock.GetUtcNow();
        return left <= TimeSpan.Zero ? "overdue"
            : left.TotalHours < 1 ? $"in {Math.Ceiling(left.TotalMinutes)} minutes"
            : left.TotalHours < 48 ? $"in {Math.Round(left.TotalHours)} hours"
            : $"in {Math.Round(left.TotalDays)} days";
    }

    private static bool IsLink(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string StatusClass(string status) =>
        status.EndsWith("_FAILED", StringComparison.Ordinal) ? "portal-event-failed"
        : status.EndsWith("_COMPLETE", StringComparison.Ordinal) ? "portal-event-complete"
        : "portal-event-progress";

    public void Dispose()
    {
        _subscription?.Dispose();
        _refresh?.Dispose();
    }

    private sealed record Outcome(AlertStyle Style, string Text);
}
