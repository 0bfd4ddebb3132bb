using Microsoft.Playwright;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Chromium's own trace (DevTools protocol <c>Tracing</c>, every process of the browser), written as a JSON trace file for
/// chrome://tracing or Perfetto: where the renderer, the browser process and the GPU process spend a page load.
/// </summary>
internal sealed class ChromeTrace(ICDPSession session, TaskCompletionSource<string> complete)
{
    private const string Categories = "devtools.timeline,disabled-by-default-devtools.timeline,disabled-by-default-devtools.timeline.stack,disabled-by-default-v8.cpu_profiler,v8.execute,blink,loading,toplevel,renderer.scheduler,cc,gpu,ipc,navigation";

    public static async Task<ChromeTrace> StartAsync(IBrowser browser)
    {
        var session = await browser.NewBrowserCDPSessionAsync();
        var complete = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Event("Tracing.tracingComplete").OnEvent += (_, e) => complete.TrySetResult(e!.Value.GetProperty("stream").GetString()!);
        await session.SendAsync("Tracing.start", new Dictionary<string, object> { ["categories"] = Categories, ["transferMode"] = "ReturnAsStream" });
        return new ChromeTrace(session, complete);
    }

    public async Task StopAsync(string path)
    {
        await session.SendAsync("Tracing.end");
        var stream = await complete.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await using var file = File.Create(path);
        while (true)
        {
            var chunk = await session.SendAsync("IO.read", new Dictionary<string, object> { ["handle"] = stream, ["size"] = 1 << 20 });
            var data = chunk!.Value.GetProperty("data").GetString() ?? "";
            var bytes = chunk.Value.TryGetProperty("base64Encoded", out var b64) && b64.GetBoolean() ? Convert.FromBase64String(data) : System.Text.Encoding.UTF8.GetBytes(data);
            await file.WriteAsync(bytes);
            if (chunk.Value.GetProperty("eof").GetBoolean())
            {
                break;
            }
        }

        await session.SendAsync("IO.close", new Dictionary<string, object> { ["handle"] = stream });
        await session.DetachAsync();
    }
}
