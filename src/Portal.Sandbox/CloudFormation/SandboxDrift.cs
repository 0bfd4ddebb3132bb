using System.Text.Json.Nodes;
using Microsoft.Extensions.Primitives;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// Changes made "by hand", outside CloudFormation, so drift and out-of-band changes are real in the sandbox: a resource's
/// actual properties changed (drift detection then reports it MODIFIED with the differences), a resource deleted (DELETED),
/// or a whole stack deleted as someone with the console would (the portal's watcher then sees it gone).
/// </summary>
public interface ISandboxDrift
{
    /// <summary>
    /// Sets actual properties of a live stack's resource (each name to its JSON value; a JSON null removes the property), as
    /// a change made in the console would. Throws <see cref="KeyNotFoundException"/> for an unknown stack or resource.
    /// </summary>
    void ChangeResourceByHand(string accountId, string region, string stackName, string logicalResourceId, JsonObject properties);

    /// <summary>Deletes a live stack's resource outside CloudFormation (drift detection reports it DELETED).</summary>
    void DeleteResourceByHand(string accountId, string region, string stackName, string logicalResourceId);

    /// <summary>
    /// Deletes a live stack as someone outside the portal would (DeleteStack by another caller); returns its id. Throws
    /// <see cref="KeyNotFoundException"/> for an unknown stack, <see cref="InvalidOperationException"/> when CloudFormation refuses.
    /// </summary>
    string DeleteStackByHand(string accountId, string region, string stackName);
}

internal sealed class SandboxDrift(SandboxStore store, DriftState drift, CloudFormationApi cloudFormation, TimeProvider time) : ISandboxDrift
{
    public void ChangeResourceByHand(string accountId, string region, string stackName, string logicalResourceId, JsonObject properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        lock (store.Sync)
        {
            var key = ResourceKey(accountId, region, stackName, logicalResourceId);
            var edits = drift.Data.HandEdits.TryGetValue(key, out var existing) ? existing : drift.Data.HandEdits[key] = [];
            foreach (var (name, value) in properties)
            {
                edits[name] = value?.DeepClone();
            }

            drift.Save();
        }
    }

    public void DeleteResourceByHand(string accountId, string region, string stackName, string logicalResourceId)
    {
        lock (store.Sync)
        {
            drift.Data.DeletedByHand.Add(ResourceKey(accountId, region, stackName, logicalResourceId));
            drift.Save();
        }
    }

    public string DeleteStackByHand(string accountId, string region, string stackName)
    {
        var caller = new CallerContext("someone-with-the-console", accountId, region, Guid.NewGuid().ToString());
        var stackId = StackId(accountId, region, stackName);
        try
        {
            cloudFormation.Handle("DeleteStack", new QueryArgs(new Dictionary<string, StringValues>(StringComparer.Ordinal) { ["StackName"] = stackId }), caller);
        }
        catch (SandboxApiException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }

        return stackId;
    }

    private string StackId(string accountId, string region, string stackName)
    {
        lock (store.Sync)
        {
            return Live(accountId, region, stackName).StackId;
        }
    }

    private string ResourceKey(string accountId, string region, string stackName, string logicalResourceId)
    {
        var stack = Live(accountId, region, stackName);
        return StackView.ConfigAt(stack, time.GetUtcNow()).Resources.TryGetValue(logicalResourceId, out var resource)
            ? DriftState.Key(stack, resource)
            : throw new KeyNotFoundException($"Stack {stackName} has no resource {logicalResourceId}.");
    }

    private StackRecord Live(string accountId, string region, string stackName)
    {
        var now = time.GetUtcNow();
        return store.Stacks.FirstOrDefault(s => s.AccountId == accountId && s.Region == region && (s.StackName == stackName || s.StackId == stackName) && !StackView.IsDeleted(s, now))
            ?? throw new KeyNotFoundException($"Stack {stackName} does not exist in {accountId} {region}.");
    }
}
