using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Costs;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The dashboards page's views, read while the browser starts the page's circuit (issue 18). The prerender starts the read and
/// ends its document at once; the circuit, a few hundred milliseconds later, takes the read (finished or nearly) by the token the
/// document handed it. Before this, the document waited for every view (blazor.web.js starts a circuit only once the document has
/// ended), so the read and the circuit's start ran one after the other.
/// A read is for one user and one filter, is taken at most once, and is dropped unclaimed after <see cref="Lifetime"/>; a page
/// whose read is missing (a circuit on another node, a read that failed, the limits below) reads its views itself.
/// Measured as <c>portal.costs.page_read.duration</c> (the read) and <c>portal.costs.page_read.wait</c> (how long the circuit
/// still waited for it: the part of the read its start did not cover), both on the <see cref="MeterName"/> meter.
/// </summary>
public sealed class CostsPagePrefetch
{
    public const string MeterName = "Portal.Costs";

    /// <summary>How long an unclaimed read is kept: a circuit starts well within it, or reads its views itself.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>Unclaimed reads a user may have (documents fetched without a circuit, e.g. by a script): no more reads start.</summary>
    public const int PerUser = 8;

    /// <summary>Unclaimed reads on the node.</summary>
    public const int PerNode = 256;

    private readonly ConcurrentDictionary<string, Read> _reads = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly ILogger<CostsPagePrefetch> _logger;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _wait;
    private int _inFlight;

    public CostsPagePrefetch(TimeProvider clock, ILogger<CostsPagePrefetch> logger, IMeterFactory meters, IOptions<CostOptions>? options = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        (_clock, _logger) = (clock, logger);
        ReadConcurrency = options?.Value.PageReadConcurrency ?? CostsPageViews.Views;
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>("portal.costs.page_read.duration", "ms", "The dashboards page's views read ahead of its circuit");
        _wait = meter.CreateHistogram<double>("portal.costs.page_read.wait", "ms", "How long a dashboards page's circuit waited for the views read ahead");
    }

    /// <summary>
    /// How many of the page's statements its read runs at once (<see cref="CostsPageViews.LoadAsync"/>), from
    /// <c>Costs:PageReadConcurrency</c> (<see cref="CostOptions.PageReadConcurrency"/>, validated at start); every view at once by default.
    /// </summary>
    public int ReadConcurrency { get; internal set; }

    /// <summary>Reads started and not yet finished.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Reads waiting for their circuit.</summary>
    public int Unclaimed => _reads.Count;

    /// <summary>Starts <paramref name="load"/> for the user and filter; the token to take it by, or null when a limit says no.</summary>
    internal string? Start(Guid userId, string query, Func<Task<CostsPageViews>> load)
    {
        var now = _clock.GetUtcNow();
        foreach (var (key, stale) in _reads.Where(r => r.Value.Expires <= now))
        {
            _reads.TryRemove(new KeyValuePair<string, Read>(key, stale));
        }

        if (_reads.Count >= PerNode || _reads.Values.Count(r => r.UserId == userId) >= PerUser)
        {
            return null;
        }

        Interlocked.Increment(ref _inFlight);
        var started = Stopwatch.GetTimestamp();
        var task = Task.Run(load);
        _ = task.ContinueWith(t =>
        {
            Interlocked.Decrement(ref _inFlight);
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (t.Exception is { } failed)
            {
                _logger.LogWarning(failed.GetBaseException(), "The dashboards page's views could not be read ahead; its circuit reads them itself.");
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var token = RandomNumberGenerator.GetHexString(32, lowercase: true);
        _reads[token] = new Read(userId, query, task, now + Lifetime);
        return token;
    }

    /// <summary>
    /// The read started for this token, user and filter, awaited; null when there is none (taken, expired, another user's or
    /// filter's) or it failed: the caller reads the views itself.
    /// </summary>
    internal async Task<CostsPageViews?> TakeAsync(string token, Guid userId, string query)
    {
        if (!_reads.TryRemove(token, out var read) || read.UserId != userId || read.Query != query || read.Expires <= _clock.GetUtcNow())
        {
            return null;
        }

        var waiting = Stopwatch.GetTimestamp();
        try
        {
            return await read.Views;
        }
        catch (Exception)
        {
            // Logged where it failed; the page reads again, on its own.
            return null;
        }
        finally
        {
            _wait.Record(Stopwatch.GetElapsedTime(waiting).TotalMilliseconds);
        }
    }

    /// <summary>The finished read for this token, user and filter, without waiting (and without taking it); null otherwise.</summary>
    internal CostsPageViews? Peek(string token, Guid userId, string query) =>
        _reads.TryGetValue(token, out var read) && read.UserId == userId && read.Query == query && read.Views.IsCompletedSuccessfully
            ? read.Views.Result
            : null;

    private sealed record Read(Guid UserId, string Query, Task<CostsPageViews> Views, DateTimeOffset Expires);
}
