using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Requests;

namespace Portal.Web.Features.Live;

/// <summary>
/// The node's hub for live request rows (<see cref="LiveRowHub{TRow,TChange}"/>): one read per change per node (3 statements a
/// batch), shared by every page, badge and card that shows requests, handing every subscriber the row with who decided it. The
/// requests list and the approval queue swap, insert or remove the row in place and reload only when order needs the database
/// (<see cref="RequestsLiveList"/>); the approvals badge keeps its count from the rows (<see cref="LiveRequestRow.WaitsFor"/>).
/// </summary>
public sealed class LiveRequestRows(RequestQueries queries, LifecycleSignals signals, ILogger<LiveRequestRows> logger)
    : LiveRowHub<LiveRequestRow, RequestRowChange>(signals, LifecycleChangeKind.Request, logger)
{
    protected override async Task<IReadOnlyDictionary<Guid, LiveRequestRow>> ReadAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        (await queries.LiveRowsAsync(ids, cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Summary.Id);

    protected override RequestRowChange Changed(LifecycleChange change, LiveRequestRow? row) => new(change.Id, change.TeamId, change.EnvironmentId, row);
}

/// <summary>A request's list row as it is now, and who has decided it (approved or rejected).</summary>
public sealed record LiveRequestRow(RequestSummary Summary, IReadOnlyList<Guid> DeciderIds)
{
    /// <summary>Whether the request waits for <paramref name="engineerId"/>'s decision (the approvals badge's rule).</summary>
    public bool WaitsFor(Guid engineerId) =>
        Summary.Status == Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval && Summary.Requester.Id != engineerId && !DeciderIds.Contains(engineerId);
}

/// <summary>A request changed: its row as it is now (<see cref="Row"/> null when it is gone), with the page's heard-at moment.</summary>
public sealed record RequestRowChange(Guid Id, Guid TeamId, Guid? EnvironmentId, LiveRequestRow? Row)
{
    /// <summary>When the hub handed the row out (<see cref="LiveReads.Heard()"/>): reads started after it include the change.</summary>
    public long HeardAt { get; } = LiveReads.Heard();
}
