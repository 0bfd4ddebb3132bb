namespace Portal.Web.Tests.Costs;

/// <summary>The real clock until <see cref="Freeze"/> stops it at an instant (so the sandbox bills days that have not passed yet).</summary>
internal sealed class TestClock : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _frozen;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _frozen ?? base.GetUtcNow();
        }
    }

    public void Freeze(DateTimeOffset at)
    {
        lock (_lock)
        {
            _frozen = at;
        }
    }
}
