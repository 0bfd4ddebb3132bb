using Microsoft.Extensions.Options;

namespace Portal.Sandbox;

/// <summary>Faults the sandbox injects, seeded from <c>Sandbox:Faults</c> and changeable at runtime (tests toggle them).</summary>
public interface ISandboxFaults
{
    /// <summary>Creating or updating resources of <paramref name="resourceType"/> fails with <paramref name="reason"/>; null clears it.</summary>
    void FailResourceType(string resourceType, string? reason);

    /// <summary>Creating or updating the resource <paramref name="logicalId"/> fails with <paramref name="reason"/>; null clears it.</summary>
    void FailLogicalId(string logicalId, string? reason);

    /// <summary>Fraction (0 to 1) of calls answered with a throttling error.</summary>
    double ThrottleFraction { get; set; }

    /// <summary>Throttles exactly the next <paramref name="calls"/> calls (deterministic, for tests).</summary>
    void ThrottleNext(int calls);

    TimeSpan Latency { get; set; }

    /// <summary>
    /// Calls of the CloudFormation <paramref name="action"/> wait, before they are handled, until the returned hold is
    /// disposed (or the caller gives up): a control plane that has not got to them yet. Tests use it to open a page while an
    /// operation has not started, without racing the clock.
    /// </summary>
    IDisposable Hold(string action);

    /// <summary>Waits while <paramref name="action"/> is held (<see cref="Hold"/>); returns at once when it is not.</summary>
    Task WhileHeldAsync(string action, CancellationToken cancellationToken);

    /// <summary>
    /// UpdateCostAllocationTagsStatus answers AccessDeniedException, as for a caller whose IAM policy lacks
    /// <c>ce:UpdateCostAllocationTagsStatus</c> (or a member account, which cannot change the payer's tags).
    /// </summary>
    bool DenyCostAllocationTagUpdates { get; set; }

    /// <summary>Removes every fault.</summary>
    void Clear();

    /// <summary>The failure reason for a resource, or null when it succeeds.</summary>
    string? FailureFor(string logicalId, string resourceType);

    /// <summary>Whether this call is throttled (consumes one of <see cref="ThrottleNext"/>).</summary>
    bool ShouldThrottle();
}

internal sealed class SandboxFaults : ISandboxFaults
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _types;
    private readonly Dictionary<string, string> _logicalIds;
    private int _throttleNext;
    private double _throttleFraction;
    private TimeSpan _latency;
    private bool _denyTagUpdates;
    private readonly Dictionary<string, TaskCompletionSource> _holds = new(StringComparer.Ordinal);

    public SandboxFaults(IOptions<SandboxOptions> options)
    {
        var faults = options.Value.Faults;
        _types = new(StringComparer.Ordinal);
        _logicalIds = new(StringComparer.Ordinal);
        foreach (var failure in faults.Failures)
        {
            if (failure.ResourceType is { Length: > 0 } type)
            {
                _types[type] = string.IsNullOrWhiteSpace(failure.Reason) ? DefaultReason(type) : failure.Reason;
            }
            else if (failure.LogicalId is { Length: > 0 } id)
            {
                _logicalIds[id] = string.IsNullOrWhiteSpace(failure.Reason) ? DefaultReason("") : failure.Reason;
            }
        }

        _throttleFraction = faults.ThrottleFraction;
        _latency = faults.Latency;
        _denyTagUpdates = faults.DenyCostAllocationTagUpdates;
    }

    public bool DenyCostAllocationTagUpdates
    {
        get { lock (_lock) { return _denyTagUpdates; } }
        set { lock (_lock) { _denyTagUpdates = value; } }
    }

    public double ThrottleFraction
    {
        get { lock (_lock) { return _throttleFraction; } }
        set { lock (_lock) { _throttleFraction = Math.Clamp(value, 0, 1); } }
    }

    public TimeSpan Latency
    {
        get { lock (_lock) { return _latency; } }
        set { lock (_lock) { _latency = value < TimeSpan.Zero ? TimeSpan.Zero : value; } }
    }

    public IDisposable Hold(string action)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        lock (_lock)
        {
            if (!_holds.TryGetValue(action, out var held))
            {
                held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _holds[action] = held;
            }

            return new Release(this, action, held);
        }
    }

    public Task WhileHeldAsync(string action, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return _holds.TryGetValue(action, out var held) ? held.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
        }
    }

    public void FailResourceType(string resourceType, string? reason) => Set(_types, resourceType, reason);

    public void FailLogicalId(string logicalId, string? reason) => Set(_logicalIds, logicalId, reason);

    public void ThrottleNext(int calls)
    {
        lock (_lock)
        {
            _throttleNext = Math.Max(0, calls);
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _types.Clear();
            _logicalIds.Clear();
            _throttleNext = 0;
            _throttleFraction = 0;
            _latency = TimeSpan.Zero;
            _denyTagUpdates = false;
            foreach (var held in _holds.Values)
            {
                held.TrySetResult();
            }

            _holds.Clear();
        }
    }

    private void Unhold(string action, TaskCompletionSource held)
    {
        lock (_lock)
        {
            if (_holds.TryGetValue(action, out var current) && current == held)
            {
                _holds.Remove(action);
            }
        }

        held.TrySetResult();
    }

    private sealed class Release(SandboxFaults faults, string action, TaskCompletionSource held) : IDisposable
    {
        public void Dispose() => faults.Unhold(action, held);
    }

    public string? FailureFor(string logicalId, string resourceType)
    {
        lock (_lock)
        {
            return _logicalIds.TryGetValue(logicalId, out var byId) ? byId
                : _types.TryGetValue(resourceType, out var byType) ? byType
                : null;
        }
    }

    public bool ShouldThrottle()
    {
        lock (_lock)
        {
            if (_throttleNext > 0)
            {
                _throttleNext--;
                return true;
            }

            return _throttleFraction > 0 && Random.Shared.NextDouble() < _throttleFraction;
        }
    }

    /// <summary>What AWS typically says when a resource of this type cannot be created.</summary>
    public static string DefaultReason(string resourceType) => resourceType switch
    {
        "AWS::RDS::DBInstance" or "AWS::RDS::DBCluster" =>
            "Resource handler returned message: \"The requested instance class is not available in the requested availability zone. (Service: Rds, Status Code: 400)\"",
        "AWS::EC2::NatGateway" or "AWS::EC2::EIP" =>
            "Resource handler returned message: \"The maximum number of addresses has been reached. (Service: Ec2, Status Code: 400)\"",
        "AWS::EKS::Cluster" or "AWS::EKS::Nodegroup" =>
            "Resource handler returned message: \"Cannot create cluster because the requested Kubernetes version is not supported (Service: Eks, Status Code: 400)\"",
        "AWS::S3::Bucket" => "Resource handler returned message: \"Bucket name already exists (Service: S3, Status Code: 409)\"",
        _ => "Resource handler returned message: \"Service returned error code InternalFailure (Status Code: 500)\" (HandlerErrorCode: ServiceInternalError)",
    };

    private void Set(Dictionary<string, string> map, string key, string? reason)
    {
        lock (_lock)
        {
            if (reason is null)
            {
                map.Remove(key);
            }
            else
            {
                map[key] = reason;
            }
        }
    }
}
