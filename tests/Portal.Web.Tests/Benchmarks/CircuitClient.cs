using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// One Blazor Server circuit opened the way <c>blazor.web.js</c> opens it, without a browser: GET the prerendered page (the
/// signed-in cookie), read its <c>&lt;!--Blazor:{…}--&gt;</c> server component markers and the persisted state comment, connect
/// to <c>/_blazor</c> over WebSockets with the <c>blazorpack</c> hub protocol (the server's own <c>BlazorPackHubProtocol</c>:
/// MessagePack, as the TS client's renamed MessagePackHubProtocol), <c>StartCircuit(baseUri, uri, "[]", state)</c>, then
/// <c>UpdateRootComponents({batchId, operations:[{type:"add", ssrComponentId, marker}]}, state)</c>. Every
/// <c>JS.RenderBatch</c> is acknowledged with <c>OnRenderCompleted(batchId, null)</c>; every <c>JS.BeginInvokeJS</c> that waits
/// for an answer gets <c>EndInvokeJSFromDotNet</c> (an object reference for <c>import</c>, the browser's answers for the
/// layout's time zone and theme probes, null otherwise), as the TS client's dispatcher does
/// (dotnet/aspnetcore <c>CircuitManager.ts</c>, <c>ComponentHub.cs</c>).
/// </summary>
internal sealed partial class CircuitClient : IAsyncDisposable
{
    private static readonly IHubProtocol BlazorPack = (IHubProtocol)Activator.CreateInstance(
        Type.GetType("Microsoft.AspNetCore.Components.Server.BlazorPack.BlazorPackHubProtocol, Microsoft.AspNetCore.Components.Server", throwOnError: true)!,
        nonPublic: true)!;

    private static long _nextObjectId = 1000;
    private readonly HubConnection _connection;
    private readonly TaskCompletionSource _firstBatch = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<long>? _nextBatch;
    private long _batches;
    private long _lastBatchAt;

    private readonly HttpClient _http;
    private string? _circuitId;

    private CircuitClient(HubConnection connection, HttpClient http)
    {
        _connection = connection;
        _http = http;
    }

    /// <summary>Render batches received (and acknowledged).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>When the last batch arrived (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long LastBatchAt => Interlocked.Read(ref _lastBatchAt);

    public string? Error { get; private set; }

    /// <summary>JS calls the server made, by identifier (for the harness's report).</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, int> JsCalls { get; } = new();

    /// <summary>Completes when the first render batch has arrived (the page is interactive).</summary>
    public Task FirstBatch => _firstBatch.Task;

    /// <summary>Completes with the arrival time (<see cref="Stopwatch.GetTimestamp"/>) of the next render batch.</summary>
    public Task<long> ArmNextBatch()
    {
        var next = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _nextBatch, next);
        return next.Task;
    }

    public static async Task<CircuitClient> OpenAsync(HttpClient http, CookieContainer cookies, string path, CancellationToken cancellationToken)
    {
        var baseAddress = http.BaseAddress!;
        var html = await http.GetStringAsync(path, cancellationToken);
        var markers = ServerMarkers(html);
        if (markers.Count == 0)
        {
            throw new InvalidOperationException($"{path} carries no interactive server component marker: {html[..Math.Min(html.Length, 500)]}");
        }

        var state = StateComment().Match(html) is { Success: true } m ? m.Groups[1].Value : "";
        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "_blazor"), HttpTransportType.WebSockets, options =>
            {
                options.Cookies = cookies;
                options.Headers["Origin"] = baseAddress.GetLeftPart(UriPartial.Authority);
            })
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Error));
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton(BlazorPack);
        var connection = builder.Build();
        connection.ServerTimeout = TimeSpan.FromMinutes(3);
        connection.HandshakeTimeout = TimeSpan.FromMinutes(1);
        var client = new CircuitClient(connection, http);
        client.Listen();

        await connection.StartAsync(cancellationToken);
        var uri = new Uri(baseAddress, path).ToString();
        var circuitId = await connection.InvokeAsync<string?>("StartCircuit", baseAddress.ToString(), uri, "[]", state, cancellationToken);
        if (string.IsNullOrEmpty(circuitId))
        {
            throw new InvalidOperationException($"StartCircuit was refused: {client.Error}");
        }

        client._circuitId = circuitId;

        var operations = new JsonObject
        {
            ["batchId"] = 1,
            ["operations"] = new JsonArray([.. markers.Select((marker, i) => (JsonNode)new JsonObject
            {
                ["type"] = "add",
                ["ssrComponentId"] = i + 1,
                ["marker"] = marker,
            })]),
        };
        await connection.SendAsync("UpdateRootComponents", operations.ToJsonString(), state, cancellationToken);
        return client;
    }

    private void Listen()
    {
        _connection.On("JS.RenderBatch", [typeof(long), typeof(byte[])], async args =>
        {
            Interlocked.Exchange(ref _lastBatchAt, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _batches);
            Interlocked.Exchange(ref _nextBatch, null)?.TrySetResult(Stopwatch.GetTimestamp());
            _firstBatch.TrySetResult();
            await SendQuietlyAsync("OnRenderCompleted", (long)args[0]!, null);
        });

        // .NET 10: (asyncHandle, identifier, argsJson, resultType, targetInstanceId, callType); handle 0 expects no answer.
        _connection.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)], async args =>
        {
            var handle = (long)args[0]!;
            var identifier = (string)args[1]!;
            JsCalls.AddOrUpdate(identifier, 1, (_, n) => n + 1);
            if (handle == 0)
            {
                return;
            }

            // resultType 1: a JS object reference (e.g. import of a module).
            var result = (int)args[3]! == 1 ? $"{{\"__jsObjectId\":{Interlocked.Increment(ref _nextObjectId)}}}" : identifier switch
            {
                "timeZone" => "\"UTC\"",
                "hasThemeChoice" or "prefersDark" => "false",
                _ => "null",
            };
            await SendQuietlyAsync("EndInvokeJSFromDotNet", handle, true, $"[{handle},true,{result}]");
        });
        _connection.On("JS.EndInvokeDotNet", [typeof(string), typeof(bool), typeof(string)], _ => Task.CompletedTask);
        _connection.On("JS.AttachComponent", [typeof(int), typeof(string)], _ => Task.CompletedTask);
        _connection.On("JS.EndUpdateRootComponents", [typeof(long)], _ => Task.CompletedTask);
        _connection.On("JS.EndLocationChanging", [typeof(int), typeof(bool)], _ => Task.CompletedTask);
        _connection.On("JS.Error", [typeof(string)], args =>
        {
            Error = (string?)args[0];
            _firstBatch.TrySetException(new InvalidOperationException($"The circuit failed: {Error}"));
            return Task.CompletedTask;
        });
    }

    private async Task SendQuietlyAsync(string method, params object?[] args)
    {
        try
        {
            await _connection.SendCoreAsync(method, args);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            Error ??= ex.Message;
        }
    }

    /// <summary>The start markers of interactive server components in prerendered HTML (the TS client's discovery, simplified).</summary>
    internal static List<JsonNode> ServerMarkers(string html)
    {
        var markers = new List<JsonNode>();
        foreach (Match match in MarkerComment().Matches(html))
        {
            if (JsonNode.Parse(match.Groups[1].Value) is JsonObject marker && (string?)marker["type"] == "server" && marker["descriptor"] is not null)
            {
                markers.Add(marker);
            }
        }

        return markers;
    }

    /// <summary>Closes as a closing tab does: the disconnect beacon (the server disposes the circuit at once), then the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_circuitId is not null)
            {
                using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["circuitId"] = _circuitId });
                using var response = await _http.PostAsync("_blazor/disconnect", content);
            }

            await _connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException or System.Net.WebSockets.WebSocketException)
        {
            // Closing anyway.
        }
    }

    [GeneratedRegex("<!--Blazor:(\\{.*?\\})-->", RegexOptions.Singleline)]
    private static partial Regex MarkerComment();

    [GeneratedRegex("<!--Blazor-Server-Component-State:(.*?)-->", RegexOptions.Singleline)]
    private static partial Regex StateComment();
}
