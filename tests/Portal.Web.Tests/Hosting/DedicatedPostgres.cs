using System.Diagnostics;
using Portal.TestSupport;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// A PostgreSQL server of the test's own (started with <c>scripts/postgres.sh</c> in a temporary folder), so the test can
/// stop it (<c>pg_ctl stop -m immediate</c>: as a crash or a lost network would) and start it again on the same port,
/// without touching the server the rest of the suite shares.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _port;

    private DedicatedPostgres(string directory, int port, string connectionString)
    {
        _directory = directory;
        _port = port;
        ConnectionString = connectionString;
    }

    /// <summary>The server's admin connection string (database <c>postgres</c>), for <see cref="TestDatabase.CreateAsync"/>.</summary>
    public string ConnectionString { get; }

    public static async Task<DedicatedPostgres> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portal-tests", $"pg-{Guid.NewGuid():N}"[..15]);
        var (code, stdout, stderr) = await RunAsync("bash", Script, "start", directory);
        if (code != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not start: {stderr}");
        }

        var port = int.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "port")), System.Globalization.CultureInfo.InvariantCulture);
        return new DedicatedPostgres(directory, port, stdout.Trim());
    }

    /// <summary>Stops the server at once (immediate mode: connections are cut, no checkpoint).</summary>
    public async Task StopAsync() => await RunAsync("bash", Script, "stop", _directory);

    /// <summary>Starts the stopped server again on its port, with its data.</summary>
    public async Task RestartAsync()
    {
        var bin = BinDirectory();
        var options = $"-h 127.0.0.1 -p {_port} -k {_directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        var (code, _, stderr) = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
            ? await RunAsync("runuser", "-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "-o", options, "start")
            : await RunAsync(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60", "-o", options, "start");
        if (code != 0)
        {
            throw new InvalidOperationException($"PostgreSQL did not restart: {stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder left behind is harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Likewise.
        }
    }

    private static string Script => Path.Combine(RepositoryPaths.Root, "scripts", "postgres.sh");

    private static string BinDirectory() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().First()
            : Path.GetDirectoryName(Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(p => Path.Combine(p, "pg_ctl")).First(File.Exists))!;

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
