using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Catalog;
using Portal.Web.Features.Requests;
using Portal.Web.Security;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Components;

/// <summary>
/// The request form's submit while the panel is still finding out who is asking (a live circuit renders it before its
/// <c>OnInitializedAsync</c> has ended): the button must be visibly disabled then, never a click that does nothing.
/// </summary>
public sealed class RequestSubmitPanelTests : PortalComponentTest, IAsyncLifetime
{
    private readonly HeldAuthenticationState _authentication = new();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        Services.AddSingleton<AuthenticationStateProvider>(_authentication);
        Services.AddScoped<CurrentUser>();
        // The panel's own services, as the portal has them (singletons).
        Services.AddSingleton(_portal.Services.GetRequiredService<RequestWorkflow>());
        Services.AddSingleton(_portal.Services.GetRequiredService<RequestQueries>());
        Services.AddSingleton(_portal.Services.GetRequiredService<LifecycleActors>());
    }

    // The renderer first (MudBlazor's services are only asynchronously disposable), then the portal its services came from.
    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task WhileTheUserIsNotKnownYet_SubmitIsDisabled_ThenItIsEnabled()
    {
        var entry = _portal.Services.GetRequiredService<CatalogProvider>().Current.Find("static-site")!;
        var panel = Render<RequestSubmitPanel>(p => p
            .Add(x => x.Entry, entry)
            .Add(x => x.State, new RequestFormState("static-site", "dev", "us-east-1", new Dictionary<string, string>(), null)));

        panel.Find("[data-testid=submit-request]").HasAttribute("disabled")
            .ShouldBeTrue("the panel does not know the user yet: a click now would be dropped without a word");

        _authentication.Answer(new AuthenticationState(await PrincipalAsync("dev@example.com")));
        panel.WaitForAssertion(() => panel.Find("[data-testid=submit-request]").HasAttribute("disabled").ShouldBeFalse());
    }

    private async Task<ClaimsPrincipal> PrincipalAsync(string email)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var user = await scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>().FindByEmailAsync(email);
        return await scope.ServiceProvider.GetRequiredService<IUserClaimsPrincipalFactory<PortalUser>>().CreateAsync(user!);
    }

    /// <summary>The circuit's authentication state, answered when the test says so.</summary>
    private sealed class HeldAuthenticationState : AuthenticationStateProvider
    {
        private readonly TaskCompletionSource<AuthenticationState> _state = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override Task<AuthenticationState> GetAuthenticationStateAsync() => _state.Task;

        public void Answer(AuthenticationState state) => _state.SetResult(state);
    }
}
