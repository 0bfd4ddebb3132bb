using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Features.Costs;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Security;

namespace Portal.Web.Features.Environments;

/// <summary>One environment, live, in tabs: overview (facts, expiry and schedule, outputs), resources, stack events, cost, parameters, history; and the day-2 actions.</summary>
public sealed partial class EnvironmentDetailPage : IDisposable
{
    private const int EventsShown = 500;
    private const int CostPanelDays = 30;
    private static readonly string[] Tabs = ["overview", "resources", "events", "cost", "parameters", "history", "drift"];

    [Parameter]
    public Guid Id { get; set; }

    /// <summary>The tab to open with (<c>?tab=events</c>): overview, resources, events, cost, parameters or history.</summary>
    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    [Inject]
    public required EnvironmentQueries Queries { get; init; }

    [Inject]
    public required LifecycleActors Actors { get; init; }

    [Inject]
    public required CurrentUser CurrentUser { get; init; }

    [Inject]
    public required LifecycleSignals Signals { get; init; }

    [Inject]
    public required Live.LiveReads Reads { get; init; }

    [Inject]
    public required RequestWorkflow Workflow { get; init; }

    [Inject]
    public required EnvironmentCommands Commands { get; init; }

    [Inject]
    public required CatalogProvider Catalog { get; init; }

    [Inject]
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required ILogger<EnvironmentDetailPage> Logger { get; init; }

    [Inject]
    public required CostDashboardQueries Costs { get; init; }

    [Inject]
    public required IOptions<AwsOptions> Aws { get; init; }

    [Inject]
    public required IOptions<OffHoursOptions> OffHours { get; init; }

    [Inject]
    public required CostForecasts Forecasts { get; init; }

    [Inject]
    public required UserTimeZone TimeZone { get; init; }

    private LifecycleActor? _actor;
    private EnvironmentDetail? _environment;
    private CatalogEntry? _template;
    private IReadOnlyList<StackEventRow> _events = [];
    private RetainedResources? _retained;
    private bool _notFound;
    private bool _busy;
    private Outcome? _outcome;
    private EnvironmentStatus? _outcomeSaidAt;
    private DateTimeOffset? _outcomeVersion;
    private bool _outcomeMoved;
    private int _extendHours = 72;
    private int _maxTtlHours;
    private bool _offHoursSupported;
    private int _tab;
    private IDisposable? _subscription;
    private Live.LiveReload? _refresh;
    private long _heard;
    private EnvironmentCosts? _costs;
    private CostForecast? _forecast;
    private OffHoursWindow? _window;

    private bool IsSandbox => Aws.Value.Mode == AwsMode.Sandbox;

    private OffHoursWindow Window => _window ??= OffHoursWindow.From(OffHours.Value);

    private DateTimeOffset Now => Clock.GetUtcNow();

    private bool InFlight => _environment is { Status: var status } && (status == EnvironmentStatus.Requested || StackWatcher.InFlight.Contains(status));

    /// <summary>Members of the environment's team and platform engineers change it; finance and admins only look.</summary>
    private bool CanChange => _actor is not null && _environment is not null
        && _environment.Status is not (EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed)
        && (_actor.IsPlatformEngineer || IsMember);

    private bool IsMember { get; set; }

    private bool CanUpdate => CanChange && _environment?.Status is EnvironmentStatus.Ready or EnvironmentStatus.Failed;

    private bool CanDestroy => CanChange;

    private bool CanRetry => CanChange && _environment is { Status: EnvironmentStatus.Failed, FailedFrom: EnvironmentStatus.Provisioning or EnvironmentStatus.Requested };

    /// <summary>Why Update is greyed out, in words (null when it is not, or the user may not change the environment at all).</summary>
    private string? UpdateUnavailableReason => !CanChange || CanUpdate || _environment is null ? null : _environment.Status switch
    {
        EnvironmentStatus.Stopped => "Update is unavailable while the environment is stopped: start it first (Start now), then update it.",
        EnvironmentStatus.Stopping or EnvironmentStatus.Starting => "Update is unavailable while the off-hours schedule stops or starts the environment; wait until it is Ready.",
        EnvironmentStatus.Requested or EnvironmentStatus.Provisioning => "Update is available once the environment is Ready.",
        EnvironmentStatus.Updating => "An update is running; the next one can start when it is Ready.",
        EnvironmentStatus.Ready or EnvironmentStatus.Failed or EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed => null,
        _ => $"Update is unavailable while the environment is {_environment.Status}.",
    };

    protected override async Task OnInitializedAsync()
    {
        _actor = await Actors.ForAsync(await CurrentUser.GetPrincipalAsync(), CancellationToken.None);
        // At once, no coalescing delay: a burst runs one reload and one more after it (LiveReload), and every open page of this
        // environment shares each read (LiveReads), stamped with the moment the node heard of the change.
        _refresh = new Live.LiveReload(() => InvokeAsync(async () =>
        {
            await LoadLiveAsync();
            StateHasChanged();
        }), Logger);
        _subscription = Signals.Subscribe(change =>
        {
            if (change.EnvironmentId == Id || (change.Kind == LifecycleChangeKind.Environment && change.Id == Guid.Empty))
            {
                _heard = Math.Max(Volatile.Read(ref _heard), Live.LiveReads.Heard(change));
                _refresh.Trigger();
            }

            return Task.CompletedTask;
        });
        TimeZone.Changed += OnZoneChanged;
    }

    protected override async Task OnParametersSetAsync()
    {
        _outcome = null;
        _tab = Math.Max(0, Array.IndexOf(Tabs, Tab?.Trim().ToLowerInvariant()));
        await LoadAsync();
        _template = _environment is { } env ? Catalog.Current.Find(env.Template) : null;
        _offHoursSupported = _template?.Manifest.OffHours.Count > 0;
        if (_environment is { } e && _template?.Manifest.Tiers.GetValueOrDefault(e.Tier)?.Ttl is { } ttl)
        {
            _extendHours = ttl.DefaultHours > 0 ? ttl.DefaultHours : 72;
            _maxTtlHours = ttl.MaxHours;
        }

        // Daily costs change once a day: read with the page, not on every live refresh.
        _costs = _actor is not null && _environment is not null ? await Costs.EnvironmentAsync(_actor, Id, CostPanelDays, CancellationToken.None) : null;
        _forecast = _costs is not null ? await Forecasts.ForEnvironmentAsync(Id, Now, CancellationToken.None) : null;
    }

    // A live change: every open page of this environment shares one read of each part per change (LiveReads), read for the
    // portal once the actor's own first read showed they may see it (the team of an environment never changes).
    private async Task LoadLiveAsync()
    {
        if (_actor is null || _environment is null)
        {
            await LoadAsync();
            return;
        }

        var heard = _heard;
        try
        {
            var detail = Reads.ReadAsync($"environment:{Id}", heard, () => Queries.GetAsync(LifecycleActor.Portal, Id, CancellationToken.None));
            var events = Reads.ReadAsync($"environment-events:{Id}", heard, () => Queries.RecentEventsAsync(LifecycleActor.Portal, Id, EventsShown, CancellationToken.None));
            var retained = Reads.ReadAsync($"environment-retained:{Id}", heard, () => Queries.RetainedAsync(LifecycleActor.Portal, Id, CancellationToken.None));
            _environment = await detail;
            _events = await events;
            _retained = await retained;
            ForgetSettledOutcome();
        }
        catch (LifecycleNotFoundException)
        {
            _notFound = true;
            _environment = null;
        }
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
            _retained = await Queries.RetainedAsync(_actor, Id, CancellationToken.None);
            _notFound = false;
            IsMember = _actor.IsMemberOf(_environment.TeamId);
        }
        catch (LifecycleNotFoundException)
        {
            _notFound = true;
            _environment = null;
        }
    }

    private async Task ExtendAsync(int hours) => await ActAsync(async () =>
    {
        _extendHours = hours;
        var outcome = await Workflow.SubmitAsync(_actor!, new SubmitRequest("extend", EnvironmentId: Id, TtlHours: hours, Justification: "Extended from the environment page."), CancellationToken.None);
        await LoadAsync();
        return Describe("Extension", outcome, $"It now expires {(_environment?.ExpiresAt is { } at ? TimeZone.Time(at) : "never")}.");
    });

    private async Task SetScheduleAsync(bool enabled)
    {
        _busy = true;
        try
        {
            await Commands.SetOffHoursScheduleAsync(_actor!, Id, enabled, CancellationToken.None);
            await LoadAsync();
            var now = Now;
            var message = !enabled
                ? $"Off-hours schedule off: {_environment?.Name} runs around the clock."
                : $"Off-hours schedule on: {_environment?.Name} runs {Window.Describe(now)} and is stopped outside those hours"
                  + (Window.IsBusinessHours(now) ? "." : " — it is outside business hours now, so it stops within minutes.");
            Snackbar.Add(message, enabled ? Severity.Success : Severity.Info, o => o.VisibleStateDuration = 8000);
        }
        catch (Exception e) when (LifecycleProblems.Message(e) is { } message)
        {
            Snackbar.Add(message, Severity.Error);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task StartAsync()
    {
        _busy = true;
        try
        {
            await Commands.StartAsync(_actor!, Id, CancellationToken.None);
            await LoadAsync();
            Snackbar.Add($"Starting {_environment?.Name}. The off-hours schedule is off until you turn it back on.", Severity.Success, o => o.VisibleStateDuration = 8000);
        }
        catch (Exception e) when (LifecycleProblems.Message(e) is { } message)
        {
            Snackbar.Add(message, Severity.Error);
            await LoadAsync();
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task RetryAsync() => await ActAsync(async () =>
    {
        await Commands.RetryAsync(_actor!, Id, CancellationToken.None);
        await LoadAsync();
        return new Outcome(Severity.Info, "Retrying: the portal creates the stack again.");
    });

    private async Task UpdateAsync()
    {
        var e = _environment!;
        var parameters = new DialogParameters<UpdateDialog>
        {
            { d => d.EnvironmentId, Id },
            { d => d.Template, _template },
            { d => d.Current, e.Parameters },
            { d => d.Tier, e.Tier },
            { d => d.Actor, _actor! },
        };
        var dialog = await Dialogs.ShowAsync<UpdateDialog>($"Update {e.Name}", parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false, Data: RequestOutcome outcome })
        {
            await LoadAsync();
            Say(Describe("Update", outcome, "CloudFormation applies the change set now."));
        }
    }

    private async Task DestroyAsync()
    {
        var e = _environment!;
        _retained = await Queries.RetainedAsync(_actor!, Id, CancellationToken.None);
        var parameters = new DialogParameters<DestroyDialog>
        {
            { d => d.EnvironmentId, Id },
            { d => d.Name, e.Name },
            { d => d.StackName, e.StackName },
            { d => d.Retained, _retained },
            { d => d.Actor, _actor! },
        };
        // Medium, as the update dialog: a small one cut the retained resources' four columns at 1400 px ("Cost / mont").
        var dialog = await Dialogs.ShowAsync<DestroyDialog>($"Destroy {e.Name}?", parameters, new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        if (await dialog.Result is { Canceled: false, Data: RequestOutcome outcome })
        {
            await LoadAsync();
            Say(Describe("Destroy", outcome, "The stack is being deleted."));
        }
    }

    // An action's outcome ("Destroy approved … The stack is being deleted.") is news until the environment has moved and
    // settled: once it has left the status it had when the outcome was said and reached one that is not in progress (Ready after
    // an update, Destroyed, Stopped, Failed), the status above says what happened and the outcome would say something stale.
    // Only rows newer than the one the outcome was said beside count: a live read that started before the action may end after
    // it with the status before. An outcome that changes no status (an extension, an error) stays until the status moves and
    // settles, the page is left, or it is closed.
    private void Say(Outcome outcome) =>
        (_outcome, _outcomeSaidAt, _outcomeVersion, _outcomeMoved) = (outcome, _environment?.Status, _environment?.UpdatedAt, false);

    private void ForgetSettledOutcome()
    {
        if (_outcome is null || _environment is not { } environment || environment.UpdatedAt <= _outcomeVersion
            || (!_outcomeMoved && environment.Status == _outcomeSaidAt))
        {
            return;
        }

        _outcomeMoved = true;
        if (environment.Status is EnvironmentStatus.Ready or EnvironmentStatus.Stopped or EnvironmentStatus.Failed or EnvironmentStatus.Destroyed)
        {
            _outcome = null;
        }
    }

    private async Task ActAsync(Func<Task<Outcome>> action)
    {
        _busy = true;
        try
        {
            Say(await action());
        }
        catch (Exception e) when (LifecycleProblems.Message(e) is { } message)
        {
            await LoadAsync();
            Say(new Outcome(Severity.Error, message));
        }
        finally
        {
            _busy = false;
        }
    }

    private static Outcome Describe(string what, RequestOutcome outcome, string whenApproved) => outcome.Status switch
    {
        RequestStatus.Approved or RequestStatus.Completed => new Outcome(Severity.Success, $"{what} approved: {outcome.Reason.TrimEnd('.')}. {whenApproved}"),
        RequestStatus.PendingApproval => new Outcome(Severity.Info,
            $"{what} requested; it waits for {outcome.ApprovalsRequired} approval{(outcome.ApprovalsRequired == 1 ? "" : "s")}: {outcome.Reason}"),
        RequestStatus.Rejected => new Outcome(Severity.Error, $"{what} rejected: {outcome.Reason}"),
        RequestStatus.Cancelled or RequestStatus.Failed => new Outcome(Severity.Warning, $"{what} {outcome.Status.ToString().ToLowerInvariant()}: {outcome.Reason}"),
        _ => new Outcome(Severity.Info, $"{what}: {outcome.Status}"),
    };

    private void OnZoneChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        _subscription?.Dispose();
        _refresh?.Dispose();
        TimeZone.Changed -= OnZoneChanged;
    }

    private sealed record Outcome(Severity Severity, string Text);
}
