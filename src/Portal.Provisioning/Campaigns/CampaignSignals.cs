using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Campaigns;

/// <summary>
/// Tells live campaign pages that a campaign changed (its status, a preview, a target's progress), over
/// <see cref="LifecycleSignals"/>. Every publish of a campaign goes through <see cref="Changed"/>: campaign rows have no
/// change trigger, so it is published without one (<see cref="LifecycleSignals.PublishWithoutRowChange"/>, delivered on this
/// node); when non-trigger kinds are delivered to every node, this is the one line to switch.
/// </summary>
public sealed class CampaignSignals(LifecycleSignals signals)
{
    public void Changed(Guid campaignId) =>
        signals.PublishWithoutRowChange(new LifecycleChange(LifecycleChangeKind.Campaign, campaignId, Guid.Empty, null));

    /// <summary>Calls <paramref name="onChange"/> whenever the campaign (or, with <see cref="Guid.Empty"/>, any campaign) changes.</summary>
    public IDisposable Subscribe(Guid campaignId, Func<Task> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        return signals.Subscribe(change => change.Kind == LifecycleChangeKind.Campaign && (campaignId == Guid.Empty || change.Id == campaignId) ? onChange() : Task.CompletedTask);
    }
}
