using Portal.Web.Features.Lifecycle;
using Portal.Web.Security;

namespace Portal.Web.Features.Notifications;

/// <summary><c>/api/v1/notifications</c>: the caller's own in-app notifications, newest first, and marking them read.</summary>
public static class NotificationEndpoints
{
    public static RouteGroupBuilder MapNotificationEndpoints(this RouteGroupBuilder api)
    {
        var notifications = api.MapGroup("/notifications");
        notifications.MapGet("/", ListAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("ListNotifications")
            .Produces<NotificationList>();
        notifications.MapPost("/{id:guid}/read", MarkReadAsync).RequireAuthorization(PortalPolicies.ApiWrite).WithName("MarkNotificationRead")
            .Produces<NotificationItem>().ProducesProblem(StatusCodes.Status404NotFound);
        notifications.MapPost("/read-all", MarkAllReadAsync).RequireAuthorization(PortalPolicies.ApiWrite).WithName("MarkAllNotificationsRead")
            .Produces<MarkedRead>();
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext http, NotificationInbox notifications, CancellationToken cancellationToken, bool? unread = null, int? limit = null) =>
        TypedResults.Ok(await notifications.ListAsync(UserId(http), unread == true, limit ?? 50, cancellationToken));

    private static async Task<IResult> MarkReadAsync(Guid id, HttpContext http, NotificationInbox notifications, CancellationToken cancellationToken) =>
        await LifecycleProblems.RunAsync(() => notifications.MarkReadAsync(UserId(http), id, cancellationToken), TypedResults.Ok);

    private static async Task<IResult> MarkAllReadAsync(HttpContext http, NotificationInbox notifications, CancellationToken cancellationToken) =>
        TypedResults.Ok(new MarkedRead(await notifications.MarkAllReadAsync(UserId(http), cancellationToken)));

    private static Guid UserId(HttpContext http) => http.User.UserId() ?? throw new InvalidOperationException("The caller is not signed in.");
}

public sealed record MarkedRead(int Marked);
