using Portal.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Portal.Web.Components.Layout;

/// <summary>
/// Wraps each page: a page that throws while rendering shows a message with "Reload" instead of a dead circuit; the rest
/// of the shell keeps working. The layout recovers it on navigation, so the next page starts clean.
/// </summary>
public sealed partial class PortalErrorBoundary(ILogger<PortalErrorBoundary> logger, NavigationManager navigation) : ErrorBoundaryBase
{
    protected override Task OnErrorAsync(Exception exception)
    {
        if (DatabaseOutage.IsOutage(exception))
        {
            LogPageOutage(navigation.ToBaseRelativePath(navigation.Uri), exception.GetBaseException().Message);
        }
        else
        {
            LogPageFailed(exception, navigation.ToBaseRelativePath(navigation.Uri));
        }

        return Task.CompletedTask;
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (CurrentException is null)
        {
            builder.AddContent(0, ChildContent);
            return;
        }

        if (DatabaseOutage.IsOutage(CurrentException))
        {
            builder.OpenComponent<Shared.DatabaseUnavailable>(3);
            builder.AddComponentParameter(4, nameof(Shared.DatabaseUnavailable.OnRetry), EventCallback.Factory.Create(this, Recover));
            builder.CloseComponent();
            return;
        }

        builder.OpenComponent<PageErrorMessage>(1);
        builder.AddComponentParameter(2, nameof(PageErrorMessage.Retry), EventCallback.Factory.Create(this, Recover));
        builder.CloseComponent();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A page at /{Path} could not reach the database ({Reason}); it retries by itself")]
    private partial void LogPageOutage(string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "A page failed to render at /{Path}")]
    private partial void LogPageFailed(Exception exception, string path);
}
