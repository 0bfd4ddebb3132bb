using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>
/// Forgets this node's cached access (<see cref="AccessCache"/>) for every user whose token, roles, teams or account a save
/// changed, as soon as the save is done: a revocation or role change takes effect on the next request here. Other nodes hear
/// of it from PostgreSQL (<see cref="AccessChangeListener"/>).
/// </summary>
public sealed class AccessChangeInterceptor(IServiceProvider services) : SaveChangesInterceptor
{
    // Resolved on first use: the cache reads through the context factory, whose options hold this interceptor.
    private AccessCache Cache => field ??= services.GetRequiredService<AccessCache>();

    private static readonly Guid Everyone = Guid.Empty;
    private readonly ConditionalWeakTable<DbContext, HashSet<Guid>> _pending = [];

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Apply(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Apply(eventData.Context);
        return ValueTask.FromResult(result);
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }

        HashSet<Guid>? users = null;
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Modified or EntityState.Deleted or EntityState.Added))
            {
                continue;
            }

            Guid? user = entry.Entity switch
            {
                PersonalAccessToken token when entry.State != EntityState.Added => token.UserId,
                IdentityUserRole<Guid> role => role.UserId,
                TeamMembership membership => membership.UserId,
                PortalUser account when entry.State != EntityState.Added => account.Id,
                Team or PortalRole when entry.State != EntityState.Added => Everyone,
                _ => null,
            };
            if (user is { } id)
            {
                (users ??= []).Add(id);
            }
        }

        if (users is not null)
        {
            _pending.AddOrUpdate(context, users);
        }
    }

    private void Apply(DbContext? context)
    {
        if (context is null || !_pending.TryGetValue(context, out var users))
        {
            return;
        }

        _pending.Remove(context);
        if (users.Contains(Everyone))
        {
            Cache.InvalidateAll();
            return;
        }

        foreach (var user in users)
        {
            Cache.Invalidate(user);
        }
    }
}
