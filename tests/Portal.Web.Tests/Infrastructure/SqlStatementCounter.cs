using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>
/// Counts, per HTTP request marked with <see cref="Header"/>, the SQL commands the portal's contexts send and the connections
/// they open (background work, unmarked, is not counted). Every EF connection is one pooled session with no reset on return,
/// so the statements the server runs for the request are exactly these commands.
/// </summary>
public sealed class SqlStatementCounter
{
    public const string Header = "X-Count-Statements";

    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _commands = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _opens = new(StringComparer.Ordinal);
    private IHttpContextAccessor? _http;

    /// <summary>Registers the counter's interceptors on the portal's <see cref="PortalDbContext"/>.</summary>
    public void AddTo(IServiceCollection services) =>
        services.ConfigureDbContext<PortalDbContext>(
            (sp, options) =>
            {
                _http = sp.GetRequiredService<IHttpContextAccessor>();
                options.AddInterceptors(new Commands(this), new Connections(this));
            },
            ServiceLifetime.Singleton);

    public IReadOnlyList<string> CommandsOf(string mark) => _commands.TryGetValue(mark, out var list) ? [.. list] : [];

    public int ConnectionsOf(string mark) => _opens.GetValueOrDefault(mark);

    private string? Mark => _http?.HttpContext?.Request.Headers[Header].ToString() is { Length: > 0 } mark ? mark : null;

    private void Command(DbCommand command)
    {
        if (Mark is { } mark)
        {
            _commands.GetOrAdd(mark, _ => new ConcurrentQueue<string>()).Enqueue(command.CommandText);
        }
    }

    private void Opened()
    {
        if (Mark is { } mark)
        {
            _opens.AddOrUpdate(mark, 1, (_, n) => n + 1);
        }
    }

    private sealed class Commands(SqlStatementCounter counter) : DbCommandInterceptor
    {
        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            counter.Command(command);
            return result;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            counter.Command(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            counter.Command(command);
            return result;
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            counter.Command(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<object> ScalarExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<object> result)
        {
            counter.Command(command);
            return result;
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            counter.Command(command);
            return ValueTask.FromResult(result);
        }
    }

    private sealed class Connections(SqlStatementCounter counter) : DbConnectionInterceptor
    {
        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => counter.Opened();

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            counter.Opened();
            return Task.CompletedTask;
        }
    }
}
