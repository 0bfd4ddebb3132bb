using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Portal.TestSupport;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>
/// The portal as its own operating-system process (the built <c>Portal.Web.dll</c>, as <c>dotnet run</c> starts it) on a
/// test database, listening on a free loopback port: for tests that kill a node or run two. Its output goes to
/// <c>TestResults/processes/{name}.log</c>.
/// </summary>
public sealed class PortalProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private PortalProcess(string name, Process process, Uri baseAddress, StreamWriter log, string logPath)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        BaseAddress = baseAddress;
        _log = log;
    }

    public string Name { get; }

    /// <summary>The process's console output (this run's).</summary>
    public string LogPath { get; }

    /// <summary>How many lines of the output so far contain <paramref name="text"/>.</summary>
    public int CountLogLines(string text)
    {
        lock (_log)
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var count = 0;
            while (reader.ReadLine() is { } line)
            {
                count += line.Contains(text, StringComparison.Ordinal) ? 1 : 0;
            }

            return count;
        }
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the portal with the given settings (configuration keys, e.g. <c>Sandbox:Speed</c>) and waits until <c>/readyz</c> answers 200.</summary>
    public static async Task<PortalProcess> StartAsync(string name, TestDatabase database, string dataDirectory, IDictionary<string, string>? settings = null)
    {
        var root = RepositoryPaths.Root;
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var contentRoot = Path.Combine(root, "src", "Portal.Web");
        var dll = Path.Combine(contentRoot, "bin", configuration, "net10.0", "Portal.Web.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"Build the solution ({configuration}) first: {dll} is missing.", dll);
        }

        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = contentRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Database:Provider"] = database.Provider.ToString(),
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:DataDirectory"] = dataDirectory,
            ["Portal:Demo:Enabled"] = "true",
            ["Catalog:Directory"] = RepositoryPaths.Templates,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Portal"] = "Information",
            ["Logging:Console:FormatterName"] = "simple",
            ["StackWatcher:Interval"] = "00:00:00.500",
            ["StackWatcher:EventRefreshInterval"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        var logDirectory = Path.Combine(root, "TestResults", "processes");
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, $"{name}.log");
        if (File.Exists(logPath))
        {
            File.Delete(logPath);
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), Encoding.UTF8) { AutoFlush = true };
        await log.WriteLineAsync($"--- {DateTimeOffset.UtcNow:O} starting {name} on port {port}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var portal = new PortalProcess(name, process, new Uri($"http://127.0.0.1:{port}"), log, logPath);
        await portal.WaitReadyAsync(TimeSpan.FromSeconds(90));
        return portal;
    }

    /// <summary>
    /// An HTTP client with its own cookie jar, aimed at this process; it sends the portal's own Origin, as the portal's pages do
    /// in a browser (cookie-authenticated writes from anywhere else are refused).
    /// </summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Add("Origin", BaseAddress.GetLeftPart(UriPartial.Authority));
        return client;
    }

    /// <summary>SIGKILL: the process dies at once, mid-whatever, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        Write(_log, $"--- {DateTimeOffset.UtcNow:O} killed {Name}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready; see TestResults/processes/{Name}.log.");
            }

            try
            {
                if ((await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Starting slowly.
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds} s; see TestResults/processes/{Name}.log.");
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The last lines of a killed process, after the test let go of it.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
