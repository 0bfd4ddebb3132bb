using Microsoft.JSInterop;
using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Components;

/// <summary>
/// A component's calls into js/portal.js when the component or its circuit goes away while a call is on its way. Seen in CI
/// (session 18): the layout was disposed between its first render's questions, its module reference with it, and the next
/// question threw ObjectDisposedException into the renderer, which ended the circuit (Blazor's error bar on the page).
/// </summary>
public sealed class PortalScriptTests
{
    [Fact]
    public async Task ACallAfterTheComponentWentAway_IsNoAnswer_NotAnExceptionForTheRenderer()
    {
        var js = new FakeRuntime();
        var script = new PortalScript(js);
        var first = script.TryInvokeAsync<string?>("timeZone");
        js.Module.Answer("timeZone", "Europe/Paris");
        (await first).ShouldBe((true, "Europe/Paris"));

        var pending = script.TryInvokeAsync<bool>("hasThemeChoice"); // on its way when the layout is disposed
        await script.DisposeAsync();
        js.Module.Disposed.ShouldBeTrue();
        js.Module.Answer("hasThemeChoice", true);
        (await pending).Answered.ShouldBeFalse("the answer came to a component that is gone");

        // The next question, as the layout's first render asked it: the disposed reference throws ObjectDisposedException.
        (await script.TryInvokeAsync<bool>("prefersDark")).ShouldBe((false, false));
        (await script.TryInvokeVoidAsync("showTheme", true)).ShouldBeFalse();
    }

    [Fact]
    public async Task ACallOnAModuleReferenceDisposedElsewhere_IsNoAnswer()
    {
        var js = new FakeRuntime();
        var script = new PortalScript(js);
        var first = script.TryInvokeAsync<bool>("hasThemeChoice");
        js.Module.Answer("hasThemeChoice", false);
        (await first).ShouldBe((true, false));

        await js.Module.DisposeAsync(); // the circuit's disposal disposes its JS object references
        (await script.TryInvokeAsync<bool>("prefersDark")).Answered.ShouldBeFalse();
    }

    // The reconnect journey's CI failure: the first render's questions were on their way when the network went; their answers
    // were lost (SignalR does not send them again), and the import they shared held every later call, the dark-mode toggle's
    // too, for the circuit's JS interop timeout (a minute). Now a call unanswered in time is asked again, on a new import.
    [Fact]
    public async Task AnAnswerLostWhileTheConnectionWasDown_IsAskedForAgain_OnANewImport()
    {
        var js = new FakeRuntime { LoseFirstImport = true };
        var script = new PortalScript(js, TimeSpan.FromMilliseconds(200));
        var toggle = script.TryInvokeVoidAsync("rememberTheme", true);
        js.Module.Answer("rememberTheme", null);

        (await toggle).ShouldBeTrue();
        js.Imports.ShouldBe(2, "the lost import, then a new one");
    }

    [Fact]
    public async Task ACallWhenTheCircuitIsGone_IsNoAnswer()
    {
        var js = new FakeRuntime { Gone = true };
        var script = new PortalScript(js);

        (await script.TryInvokeAsync<bool>("prefersDark")).Answered.ShouldBeFalse();
        (await script.TryInvokeVoidAsync("rememberTheme", true)).ShouldBeFalse();
        await script.DisposeAsync();
    }

    [Fact]
    public async Task TheModuleIsImportedOnce_ForEveryCall()
    {
        var js = new FakeRuntime();
        var script = new PortalScript(js);
        var calls = new[] { script.TryInvokeAsync<bool>("a"), script.TryInvokeAsync<bool>("b") };
        js.Module.Answer("a", true);
        js.Module.Answer("b", false);

        (await Task.WhenAll(calls)).ShouldBe([(true, true), (true, false)]);
        js.Imports.ShouldBe(1);
    }

    // An IJSRuntime whose import answers a module that answers when told to, throws ObjectDisposedException once disposed (as
    // JSObjectReference does) and JSDisconnectedException when the circuit is gone (as the server's runtime does).
    private sealed class FakeRuntime : IJSRuntime
    {
        public FakeModule Module { get; } = new();

        public bool Gone { get; init; }

        public int Imports { get; private set; }

        /// <summary>The first import's answer never comes (sent while the connection was down); it ends at the caller's timeout.</summary>
        public bool LoseFirstImport { get; init; }

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => InvokeAsync<TValue>(identifier, CancellationToken.None, args);

        public async ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
        {
            if (Gone)
            {
                throw new JSDisconnectedException("The circuit is gone.");
            }

            if (++Imports == 1 && LoseFirstImport)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return (TValue)(object)Module;
        }
    }

    private sealed class FakeModule : IJSObjectReference
    {
        private readonly Dictionary<string, TaskCompletionSource<object?>> _calls = [];

        public bool Disposed { get; private set; }

        public void Answer(string identifier, object? value) => Call(identifier).TrySetResult(value);

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) => InvokeAsync<TValue>(identifier, CancellationToken.None, args);

        public async ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            return (TValue)(await Call(identifier).Task)!;
        }

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }

        private TaskCompletionSource<object?> Call(string identifier)
        {
            if (!_calls.TryGetValue(identifier, out var call))
            {
                _calls[identifier] = call = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return call;
        }
    }
}
