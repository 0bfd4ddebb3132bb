using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Provisioning.Campaigns;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Provisioning.Pricing;
using Portal.Web.Features.Admin;
using Portal.Web.Features.Tokens;
using Portal.Web.Security;
using MudBlazor.Services;

namespace Portal.Web.Hosting;

/// <summary>Everything the portal registers, in one place, so the composition is easy to read.</summary>
public static class PortalServiceRegistration
{
    public static WebApplicationBuilder AddPortal(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // Static assets are served as a published portal serves them, from any build. Run from build output, ASP.NET Core
        // otherwise turns on its development reloader in every environment: each asset goes out no-cache and without its
        // integrity, and a fallback route checks the file system on every request (2.4% of the by-id API's CPU under load,
        // issue 18) and answers a POST to an unknown path 405 instead of 404. Set ReloadStaticAssetsAtRuntime=true to edit
        // wwwroot without rebuilding.
        configuration["ReloadStaticAssetsAtRuntime"] ??= "false";

        builder.AddPortalTelemetry();
        services.AddOptions<PortalOptions>().BindConfiguration(PortalOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var contentRoot = builder.Environment.ContentRootPath;

        // Read lazily, when options are first built, so every configuration source (tests' included) is in place.
        services.AddPortalData(database =>
        {
            var portal = configuration.GetSection(PortalOptions.SectionName).Get<PortalOptions>() ?? new PortalOptions();
            var dataDirectory = portal.ResolveDataDirectory(contentRoot);
            configuration.GetSection(DatabaseOptions.SectionName).Bind(database);
            database.ConnectionString = configuration.GetConnectionString("Portal") is { Length: > 0 } cs
                ? cs
                : database.Provider == DatabaseProvider.Sqlite ? SqliteDefault(dataDirectory) : "";
        });

        // Data-protection keys live in the database so every node can read cookies the others wrote.
        services.AddDataProtection().SetApplicationName("Portal").PersistKeysToDbContext<PortalDbContext>();

        AddIdentity(services);
        services.AddPortalAuthorization();

        // The costs page hands its prerendered views to the circuit in the hub's first message (Features/Costs/README.md).
        services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = Features.Costs.CostsPageSnapshot.HubMessageBytes);
        Features.Circuits.CircuitRegistration.AddPortalCircuits(services);
        services.AddCascadingAuthenticationState();
        services.AddMudServices();
        Components.ShellServices.AddPortalShell(services);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = BadRequestProblems.Customize);

        // Bad input is the client's fault: thrown, and answered by BadRequestProblems (400/413/415 problem details naming the
        // field, logged at debug, in every environment) before the developer exception page or the error page sees it.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // A misspelled or unknown field is an error (400), not silently ignored.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = 1_048_576);
        services.AddOpenApi();
        services.AddHttpContextAccessor();

        services.AddHealthChecks().AddCheck<DatabaseReadinessCheck>("database", tags: ["ready"]);
        services.AddHostedService<PortalStartup>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = PortalStartup.ShutdownTimeout);
        services.AddSingleton<DemoOrganisation>();

        services.AddScoped<CurrentUser>();
        services.AddScoped<Portal.Web.Components.Shared.UserTimeZone>();
        services.AddSingleton<TeamService>();
        services.AddSingleton<MemberService>();
        services.AddSingleton<AuditQuery>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<Features.Home.ProfileService>();

        builder.AddPortalAws();
        services.AddTemplateCatalog();
        services.AddLifecycle();
        services.AddLifecycleJobs();
        services.AddUpgradeCampaigns();
        services.AddCosts();
        services.AddApiRateLimits();
        services.AddSingleton<LifecycleActors>();
        services.AddAccessCache();
        services.PostConfigure<CatalogOptions>(o => o.Directory = ResolveCatalogDirectory(o.Directory, contentRoot));
        services.AddPricing();
        services.AddEstimates();
        services.AddSingleton<Features.Catalog.CatalogQueries>();
        services.AddSingleton<Features.Requests.RequestQueries>();
        services.AddSingleton<Features.Costs.CostQueries>();
        services.AddSingleton<Features.Costs.CostDashboardQueries>();
        services.AddSingleton<Features.Costs.CostsPagePrefetch>();
        services.AddSingleton<Features.Costs.Budgets.BudgetService>();
        services.AddSingleton<Features.Admin.SystemStatus>();
        services.AddSingleton<Features.Environments.EnvironmentQueries>();
        services.AddSingleton<Features.Environments.LiveEnvironmentRows>();
        Features.Live.LiveServiceCollectionExtensions.AddLivePages(services);
        services.AddSingleton<Features.Drift.DriftFleetQueries>();
        services.AddSingleton<Features.Notifications.NotificationInbox>();
        return builder;
    }

    /// <summary>
    /// A relative catalog folder is looked for beside the content root and its parents (the repository's templates/ when
    /// run from source), then beside the app (the copy a publish puts there).
    /// </summary>
    internal static string ResolveCatalogDirectory(string directory, string contentRoot)
    {
        if (Path.IsPathRooted(directory))
        {
            return directory;
        }

        for (var folder = new DirectoryInfo(contentRoot); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, directory);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, directory);
    }

    private static string SqliteDefault(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        return $"Data Source={Path.Combine(dataDirectory, "portal.db")};Default Timeout=30";
    }

    private static void AddIdentity(IServiceCollection services)
    {
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = PortalAuthentication.Scheme;
                o.DefaultChallengeScheme = PortalAuthentication.Scheme;
            })
            .AddPolicyScheme(PortalAuthentication.Scheme, "Token, single sign-on or cookie", o =>
                o.ForwardDefaultSelector = PortalAuthentication.SelectScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, PersonalAccessTokenHandler>(PersonalAccessTokenHandler.SchemeName, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, AlbAuthenticationHandler>(AlbAuthenticationHandler.SchemeName, null)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ProxyAuthenticationHandler>(ProxyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies();

        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddHttpClient(AlbPublicKeys.HttpClientName);
        services.AddSingleton<AlbPublicKeys>();
        services.AddSingleton<AlbTokenValidator>();
        services.AddSingleton<TrustedProxies>();
        services.AddScoped<SsoUserSync>();
        services.AddSingleton<SsoSignIns>();

        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.Cookie.Name = "portal.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
        });

        services.AddIdentityCore<PortalUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Password.RequiredLength = 8;
                o.Password.RequireDigit = false;
                o.Password.RequireNonAlphanumeric = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireLowercase = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<PortalRole>()
            .AddEntityFrameworkStores<PortalDbContext>()
            .AddSignInManager<PortalSignInManager>()
            .AddDefaultTokenProviders();
    }
}
