using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Components;

/// <summary>
/// A bunit context with what the portal's components expect: MudBlazor's services, a per-circuit time zone, logging,
/// and JavaScript interop in loose mode (MudBlazor's calls answer with defaults).
/// </summary>
public abstract class PortalComponentTest : BunitContext
{
    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLogging();
        Services.AddMudServices();
        Services.AddScoped<UserTimeZone>();
    }
}
