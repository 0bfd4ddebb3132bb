using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using Portal.Web.Security;
using Portal.Web.Components;
using Portal.Web.Components.Pages;
using Portal.Web.Features.Campaigns;
using Portal.Web.Features.Catalog;
using Portal.Web.Features.Costs;
using Portal.Web.Features.Costs.Budgets;
using Portal.Web.Features.Drift;
using Portal.Web.Features.Environments;
using Portal.Web.Features.Me;
using Portal.Web.Features.Notifications;
using Portal.Web.Features.Requests;

namespace Portal.Web.Hosting;

/// <summary>The HTTP pipeline and every endpoint, in order.</summary>
public static class PortalPipeline
{
    public static WebApplication UsePortal(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
            app.UseHsts();
        }

        app.UseDatabaseOutageProblems();
        app.UseBadRequestProblems();

        app.UseSecurityHeaders();
        app.UsePortalStatusCodePages();
        app.UseLocalAccountsSwitch();
        app.UseAuthentication();
        app.UseSameOriginWrites();
        app.UseBlazorHubOrigin();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).AllowAnonymous();
        app.MapOpenApi();

        app.MapPortalAwsSandbox();

        var api = app.MapGroup("/api/v1").WithTags("Portal API").RequireRateLimiting(ApiRateLimits.Policy);
        api.MapMeEndpoints();
        api.MapCatalogEndpoints();
        api.MapRequestEndpoints();
        api.MapEnvironmentEndpoints();
        api.MapNotificationEndpoints();
        api.MapCostEndpoints();
        api.MapCostDashboardEndpoints();
        api.MapBudgetEndpoints();
        api.MapCampaignEndpoints();
        api.MapDriftEndpoints();
        api.MapSandboxDriftEndpoints(app.Services);
        Features.Circuits.CircuitDiagnosticsEndpoints.MapCircuitDiagnostics(api);

        app.MapPost("/account/logout", async (SignInManager<Data.Entities.PortalUser> signIn) =>
        {
            await signIn.SignOutAsync();
            return TypedResults.LocalRedirect("/account/login");
        });

        app.MapStaticAssets().AllowAnonymous();
        Features.Admin.JobsDashboard.MapJobsDashboard(app);
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
