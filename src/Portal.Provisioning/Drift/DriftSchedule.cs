namespace Portal.Provisioning.Drift;

/// <summary>
/// Spreads scheduled drift detections over the interval: each environment has a fixed slot (its id hashed onto the
/// interval), so a fleet of N environments starts about N / interval detections per minute instead of all at once, and an
/// environment's next detection is the first slot after the last.
/// </summary>
public static class DriftSchedule
{
    /// <summary>The environment's offset within every interval (the same on every node and across restarts).</summary>
    public static TimeSpan Slot(Guid environmentId, TimeSpan interval)
    {
        Span<byte> bytes = stackalloc byte[16];
        environmentId.TryWriteBytes(bytes);

        // Version-7 ids start with a timestamp; their random tail spreads evenly, so hash it (FNV-1a over all 16 bytes).
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return TimeSpan.FromTicks((long)(hash % (ulong)interval.Ticks));
    }

    /// <summary>The first slot of <paramref name="environmentId"/> strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset NextDue(Guid environmentId, DateTimeOffset after, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval must be positive.");
        }

        var slot = Slot(environmentId, interval).Ticks;
        var ticks = after.UtcTicks;
        var start = ticks - (ticks % interval.Ticks);
        var next = start + slot;
        if (next <= ticks)
        {
            next += interval.Ticks;
        }

        return new DateTimeOffset(next, TimeSpan.Zero);
    }
}
