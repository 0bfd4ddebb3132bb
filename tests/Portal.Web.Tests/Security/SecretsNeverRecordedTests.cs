using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Data;
using Portal.Provisioning.Aws.Credentials;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Secrets (a personal access token, the sign-in password, the AWS secret key that signs every call) never appear in the
/// logs (every level, with exceptions and scopes), in trace tags, or anywhere in the database.
/// </summary>
public sealed class SecretsNeverRecordedTests : IAsyncLifetime
{
    private readonly LogCapture _logs = new();
    private readonly ConcurrentQueue<string> _traces = new();
    private ActivityListener _listener = default!;
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _traces.Enqueue($"{a.OperationName} {a.DisplayName} {string.Join(' ', a.TagObjects.Select(t => $"{t.Key}={t.Value}"))} {string.Join(' ', a.Events.Select(e => e.Name))}"),
        };
        ActivitySource.AddActivityListener(_listener);
        _portal = await PortalWebFactory.StartAsync(
            DatabaseProvider.Postgres,
            kestrel: true,
            settings: new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" },
            services: s => s.AddSingleton<ILoggerProvider>(_logs));
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _listener.Dispose();
    }

    [Fact]
    public async Task TokenPasswordAndAwsSecret_AreInNoLogTraceOrTable()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com");
        using var api = new HttpClient { BaseAddress = _portal.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await api.GetAsync("/api/v1/me")).EnsureSuccessStatusCode();
        var created = await api.PostAsJsonAsync("/api/v1/requests", new { kind = "create", template = "static-site", tier = "dev", team = "payments", name = "secrets" });
        created.EnsureSuccessStatusCode();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = _portal.BaseAddress };
        await PortalWebFactory.PostLoginAsync(browser, "dev@example.com", "portal-demo");
        using var wrong = new HttpClient { BaseAddress = _portal.BaseAddress };
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^4] + "AAAA");
        (await wrong.GetAsync("/api/v1/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);

        // Let the job layer provision through the sandbox (signed AWS calls), so their logs and spans are in too.
        await Task.Delay(TimeSpan.FromSeconds(5));

        var secrets = new[] { token, token[..^4] + "AAAA", "portal-demo", AwsSandboxCredentials.SecretAccessKey };
        var logs = _logs.Text();
        logs.Length.ShouldBeGreaterThan(1000, "trace-level logs were captured");
        _traces.Count.ShouldBeGreaterThan(0, "spans were captured");
        var traces = string.Join('\n', _traces);
        var database = await DumpDatabaseAsync();
        foreach (var secret in secrets)
        {
            logs.ShouldNotContain(secret, Case.Sensitive);
            traces.ShouldNotContain(secret, Case.Sensitive);
            database.ShouldNotContain(secret, Case.Sensitive);
        }
    }

    /// <summary>Every row of every table, as text.</summary>
    private async Task<string> DumpDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(_portal.Database.ConnectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM \"{table}\" t", connection);
            await using var rows = await select.ExecuteReaderAsync();
            while (await rows.ReadAsync())
            {
                dump.AppendLine(rows.GetString(0));
            }
        }

        return dump.ToString();
    }

    /// <summary>Keeps every log entry: category, message, exception and scopes.</summary>
    private sealed class LogCapture : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public string Text() => string.Join('\n', _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> entries) : ILogger
        {
            private static readonly AsyncLocal<List<object?>> Scopes = new();

            public IDisposable BeginScope<TState>(TState state)
                where TState : notnull
            {
                var scopes = Scopes.Value ??= [];
                scopes.Add(state);
                entries.Enqueue($"scope {category} {state}");
                return new Pop(scopes);
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue($"{logLevel} {category} {formatter(state, exception)} {state} {exception}");

            private sealed class Pop(List<object?> scopes) : IDisposable
            {
                public void Dispose()
                {
                    if (scopes.Count > 0)
                    {
                        scopes.RemoveAt(scopes.Count - 1);
                    }
                }
            }
        }
    }
}
