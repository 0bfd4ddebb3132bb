namespace Portal.Web.Components.Shared;

/// <summary>
/// Coalesces a burst of change signals into one reload after a short delay, so a live page re-reads the database once per
/// burst (a provisioning stack signals many times a second). Dispose with the component.
/// </summary>
public sealed class LiveRefresh(Func<Task> reload, TimeSpan delay) : IDisposable
{
    private readonly CancellationTokenSource _disposed = new();
    private int _pending;

    public void Trigger()
    {
        if (Interlocked.Exchange(ref _pending, 1) == 1 || _disposed.IsCancellationRequested)
        {
            return;
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            await Task.Delay(delay, _disposed.Token);
            Interlocked.Exchange(ref _pending, 0);
            await reload();
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The component went away meanwhile.
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
