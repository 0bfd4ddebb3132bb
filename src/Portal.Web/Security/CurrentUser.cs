using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>The signed-in user for a Blazor circuit, read from the cascading authentication state.</summary>
public sealed class CurrentUser(AuthenticationStateProvider authenticationState)
{
    public async Task<ClaimsPrincipal> GetPrincipalAsync() => (await authenticationState.GetAuthenticationStateAsync()).User;

    public async Task<AuditActor> GetActorAsync() => (await GetPrincipalAsync()).ToActor();
}
