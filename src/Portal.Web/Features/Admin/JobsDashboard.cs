using Hangfire;
using Hangfire.Dashboard;
using Portal.Data.Entities;

namespace Portal.Web.Features.Admin;

/// <summary>
/// Hangfire's dashboard at <c>/jobs</c>, behind the portal's sign-in: anonymous callers are sent to sign in, platform engineers
/// and admins read it, only admins retry or delete jobs, everyone else gets 403. Its pages load their scripts from
/// <c>/jobs/js…</c> and carry no inline script, so the portal's CSP (<c>script-src 'self'</c>) applies unchanged.
/// </summary>
internal static class JobsDashboard
{
    public const string Path = "/jobs";

    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHangfireDashboard(Path, new DashboardOptions
        {
            // Signed in (the endpoint's policy, so anonymous callers get the sign-in redirect), then by role here: 403 otherwise.
            Authorization = [new RoleFilter()],
            IsReadOnlyFunc = context => !context.GetHttpContext().User.IsInRole(PortalRoles.Admin),
            AppPath = "/admin/system",
            DashboardTitle = "Portal jobs",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization();

    private sealed class RoleFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.IsInRole(PortalRoles.PlatformEngineer) || user.IsInRole(PortalRoles.Admin);
        }
    }
}
