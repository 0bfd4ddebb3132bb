using Microsoft.JSInterop;

namespace Portal.Web.Components.Shared;

/// <summary>
/// One component's use of <c>js/portal.js</c>: one import, shared by its calls, and calls that tell "no answer" apart from an
/// answer. A call can outlive its component (the layout is disposed while its first render's questions are on their way) or its
/// circuit's connection; the module reference is then disposed (<see cref="ObjectDisposedException"/>) or the circuit gone
/// (<see cref="JSDisconnectedException"/>). Neither may reach the renderer: an unhandled exception in a component ends the
/// whole circuit, which the user sees as Blazor's error bar (CI, session 18: the layout's theme question after its disposal).
/// </summary>
public sealed class PortalScript(IJSRuntime js, TimeSpan? patience = null) : IAsyncDisposable
{
    private Task<IJSObjectReference>? _module;
    private bool _disposed;

    /// <summary>How long a call waits for its answer: an answer sent while the connection was down is lost (SignalR does not
    /// send it again), and would otherwise hold the call, and every call after it on the same import, for the circuit's
    /// JS interop timeout (a minute: the dark-mode toggle did nothing for that long after a network blip).</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(10);

    private readonly TimeSpan _patience = patience ?? DefaultPatience;

    /// <summary>The function's answer, or <c>Answered: false</c> when the component or the circuit went away meanwhile.</summary>
    public async Task<(bool Answered, T? Value)> TryInvokeAsync<T>(string identifier, params object?[] args)
    {
        // Asked again once when unanswered in time (with a new import if that was what went unanswered): the functions are
        // questions or idempotent.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                if (await ModuleAsync() is not { } module)
                {
                    break;
                }

                using var patience = new CancellationTokenSource(_patience);
                var value = await module.InvokeAsync<T>(identifier, patience.Token, args);
                return (!_disposed, value);
            }
            catch (OperationCanceledException) when (attempt == 0 && !_disposed)
            {
            }
            catch (Exception e) when (IsGone(e))
            {
                break;
            }
        }

        return (false, default);
    }

    /// <summary>Calls the function; false when the component or the circuit went away meanwhile.</summary>
    public async Task<bool> TryInvokeVoidAsync(string identifier, params object?[] args) =>
        (await TryInvokeAsync<object?>(identifier, args)).Answered;

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is { IsCompletedSuccessfully: true })
        {
            try
            {
                await _module.Result.DisposeAsync();
            }
            catch (Exception e) when (IsGone(e))
            {
            }
        }
    }

    // One import, shared: a click can come before the first render's import has answered. An import that failed or went
    // unanswered in time is made again.
    private async Task<IJSObjectReference?> ModuleAsync()
    {
        if (_disposed)
        {
            return null;
        }

        if (_module is { IsFaulted: true } or { IsCanceled: true })
        {
            _module = null;
        }

        var module = await (_module ??= ImportAsync());
        return _disposed ? null : module;
    }

    private async Task<IJSObjectReference> ImportAsync()
    {
        using var patience = new CancellationTokenSource(_patience);
        return await js.InvokeAsync<IJSObjectReference>("import", patience.Token, "./js/portal.js");
    }

    private static bool IsGone(Exception e) => e is JSDisconnectedException or ObjectDisposedException or OperationCanceledException;
}
