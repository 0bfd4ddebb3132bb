using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Hosting;

/// <summary>The message a page shows in place of what it could not read while the database is away.</summary>
public sealed class DatabaseUnavailableTests : IDisposable
{
    private readonly BunitContext _context = new();

    public DatabaseUnavailableTests()
    {
        _context.Services.AddMudServices();
        _context.Services.AddSingleton(TimeProvider.System);
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public void SaysTheDatabaseIsUnavailable_AndRetryNowCallsOnRetry()
    {
        var retries = 0;
        var cut = _context.Render<DatabaseUnavailable>(p => p
            .Add(c => c.OnRetry, () => retries++)
            .Add(c => c.RetryAfter, TimeSpan.FromHours(1)));

        cut.Find("[data-testid=database-unavailable]").TextContent.ShouldContain("The database is unavailable — retrying.");
        cut.Find("[data-testid=database-unavailable-retry]").Click();

        retries.ShouldBe(1);
    }

    [Fact]
    public async Task RetriesByItself_AfterRetryAfter()
    {
        // The retry renders nothing here, so wait on the callback itself rather than on a render.
        var retried = new TaskCompletionSource();
        _context.Render<DatabaseUnavailable>(p => p
            .Add(c => c.OnRetry, () => retried.TrySetResult())
            .Add(c => c.RetryAfter, TimeSpan.FromMilliseconds(50)));

        await retried.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
