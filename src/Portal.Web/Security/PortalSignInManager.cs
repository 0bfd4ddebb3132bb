using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>Identity's sign-in manager, except that passwords are refused while <c>Auth:LocalAccounts:Enabled</c> is false.</summary>
public sealed class PortalSignInManager(
    UserManager<PortalUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<PortalUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<PortalUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<PortalUser> confirmation,
    IOptionsMonitor<AuthOptions> auth)
    : SignInManager<PortalUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    public bool LocalAccountsEnabled => auth.CurrentValue.LocalAccounts.Enabled;

    public override Task<SignInResult> CheckPasswordSignInAsync(PortalUser user, string password, bool lockoutOnFailure) =>
        LocalAccountsEnabled ? base.CheckPasswordSignInAsync(user, password, lockoutOnFailure) : Task.FromResult(SignInResult.NotAllowed);
}
