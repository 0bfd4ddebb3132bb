using Microsoft.Extensions.Logging.Abstractions;
using Portal.Web.Features.Live;
using Portal.Web.Tests.Security;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// <see cref="LiveReload"/>: a burst makes one more run, a cancelled run does not stop later reloads, and a failed one is logged
/// and does not stop them either.
/// </summary>
public sealed class LiveReloadTests
{
    [Fact]
    public async Task TriggersDuringARun_MakeExactlyOneMoreRun()
    {
        var runs = 0;
        var gate = new TaskCompletionSource();
        var second = new TaskCompletionSource();
        using var live = new LiveReload(async () =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await gate.Task;
            }
            else
            {
                second.TrySetResult();
            }
        }, NullLogger.Instance);

        live.Trigger();
        live.Trigger();
        live.Trigger();
        live.Trigger();
        gate.SetResult();
        await second.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(100);
        runs.ShouldBe(2);
    }

    [Fact]
    public async Task ACancelledRun_LeavesItIdle_SoTheNextChangeReloads()
    {
        var runs = 0;
        var again = new TaskCompletionSource();
        using var live = new LiveReload(() =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                throw new OperationCanceledException();
            }

            again.TrySetResult();
            return Task.CompletedTask;
        }, NullLogger.Instance);

        live.Trigger();
        live.Trigger();
        await again.Task.WaitAsync(TimeSpan.FromSeconds(10));
        runs.ShouldBe(2);
    }

    [Fact]
    public async Task AFailedRun_IsLogged_AndTheNextChangeStillReloads()
    {
        var runs = 0;
        var again = new TaskCompletionSource();
        using var logs = new CapturedLogs();
        using var live = new LiveReload(() =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                throw new InvalidOperationException("database away");
            }

            again.TrySetResult();
            return Task.CompletedTask;
        }, logs.CreateLogger("live"));

        live.Trigger();
        live.Trigger();
        await again.Task.WaitAsync(TimeSpan.FromSeconds(10));
        runs.ShouldBe(2);
        logs.Text().ShouldContain("Warning live A live page's reload failed");
        logs.Text().ShouldContain("database away");
    }
}
