namespace Portal.Web.Features.Live;

/// <summary>
/// Runs a live page's reload at once when a change needs one, and coalesces a burst without waiting: triggers that arrive
/// while a reload runs make exactly one more run after it (which reads what they changed). At most one reload runs per page at a
/// time. It replaces the fixed coalescing delay (<c>LiveRefresh</c>) on pages whose reads are shared per node
/// (<see cref="LiveReads"/>), where the delay only added latency. A reload that fails (the database away) is logged as a
/// warning and the page keeps what it shows. Dispose with the component.
/// </summary>
public sealed class LiveReload(Func<Task> reload, ILogger logger) : IDisposable
{
    private const int Idle = 0;
    private const int Running = 1;
    private const int RunningAndAgain = 2;
    private int _state;
    private volatile bool _disposed;

    /// <summary>Reloads now, or once more after the reload that is running.</summary>
    public void Trigger()
    {
        while (!_disposed)
        {
            var state = Volatile.Read(ref _state);
            if (state == RunningAndAgain)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, state + 1, state) == state)
            {
                if (state == Idle)
                {
                    _ = RunAsync();
                }

                return;
            }
        }
    }

    private async Task RunAsync()
    {
        do
        {
            try
            {
                await reload();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                // The component went away meanwhile, or this reload was cancelled: idle again, so a later change still reloads.
                Volatile.Write(ref _state, Idle);
                return;
            }
            catch (Exception e)
            {
                // The database is away: the page keeps what it shows; the next change reloads again.
                logger.LogWarning(e, "A live page's reload failed; it keeps what it shows until the next change.");
            }
        }
        while (!_disposed && Interlocked.Decrement(ref _state) > Idle);
    }

    public void Dispose() => _disposed = true;
}
