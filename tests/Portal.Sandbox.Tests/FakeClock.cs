namespace Portal.Sandbox.Tests;

/// <summary>
/// A clock tests move by hand. (Microsoft.Extensions.TimeProvider.Testing is pinned centrally but not on the package feed we
/// build from; the sandbox only reads the time, so this is all it needs.)
/// </summary>
public sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _now += by;
        }
    }
}
