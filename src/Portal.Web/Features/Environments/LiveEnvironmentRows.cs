using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Live;

namespace Portal.Web.Features.Environments;

/// <summary>
/// The node's hub for live environment rows (<see cref="LiveRowHub{TRow,TChange}"/>): one read (one statement) per change per
/// node, shared by every page that shows it. Pages update the row in place and reload only when the change can move rows on
/// the page they show (see <see cref="EnvironmentsLiveList"/>). "Many environments changed" (e.g. the expiry sweep on SQLite)
/// reaches every page without a read, as a change with an empty id: every page reloads what it shows.
/// </summary>
public sealed class LiveEnvironmentRows(EnvironmentQueries queries, LifecycleSignals signals, ILogger<LiveEnvironmentRows> logger)
    : LiveRowHub<EnvironmentSummary, EnvironmentRowChange>(signals, LifecycleChangeKind.Environment, logger)
{
    protected override async Task<IReadOnlyDictionary<Guid, EnvironmentSummary>> ReadAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        (await queries.SummariesAsync(ids, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id);

    protected override EnvironmentRowChange Changed(LifecycleChange change, EnvironmentSummary? row) => new(change.Id, change.TeamId, row);

    protected override EnvironmentRowChange ManyChanged(LifecycleChange change) => new(Guid.Empty, Guid.Empty, null);
}

/// <summary>
/// An environment changed: its list row as it is now (<see cref="Row"/> null when it is gone). <see cref="Id"/> empty: many
/// changed, reload.
/// </summary>
public sealed record EnvironmentRowChange(Guid Id, Guid TeamId, EnvironmentSummary? Row);
