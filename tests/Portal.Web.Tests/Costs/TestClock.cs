namespace Portal.Web.Tests.Costs;

/// <summary>
/// The real clock until <see cref="Freeze"/> stops it at an instant or <see cref="Shift"/> moves it on (so the sandbox bills days
/// that have not passed yet).
/// </summary>
internal sealed class TestClock : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _frozen;
    private TimeSpan _shift;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _frozen ?? base.GetUtcNow() + _shift;
        }
    }

    /// <summary>Moves the clock on by <paramref name="offset"/> and lets it run (timers, and so the job layer, keep working).</summary>
    public void Shift(TimeSpan offset)
    {
        lock (_lock)
        {
            _shift = offset;
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
