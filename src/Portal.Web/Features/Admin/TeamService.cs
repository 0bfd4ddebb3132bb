using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Web.Security;

namespace Portal.Web.Features.Admin;

/// <summary>Admin management of teams. Every change is audited with the acting admin.</summary>
public sealed class TeamService(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider)
{
    public async Task<IReadOnlyList<TeamRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking()
            .Select(t => new TeamRow(t.Id, t.Slug, t.Name, t.CostCenter, t.MonthlyBudgetUsd, t.Memberships.Count))
            .ToListAsync(cancellationToken);
        return [.. teams.OrderBy(t => t.Slug, StringComparer.Ordinal)];
    }

    public async Task<FormResult> CreateAsync(ClaimsPrincipal user, TeamForm form, CancellationToken cancellationToken)
    {
        RequireAdmin(user);
        var errors = Team.Validate(form.Slug, form.Name, form.MonthlyBudgetUsd);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (!errors.ContainsKey(nameof(Team.Slug)) && await db.Teams.AnyAsync(t => t.Slug == form.Slug, cancellationToken))
        {
            errors[nameof(Team.Slug)] = $"A team with slug '{form.Slug}' already exists.";
        }

        if (errors.Count > 0)
        {
            return FormResult.Invalid(errors);
        }

        var now = timeProvider.GetUtcNow();
        var team = Team.Create(form.Slug, form.Name, form.CostCenter, form.MonthlyBudgetUsd, now);
        db.Teams.Add(team);
        db.Audit(now, user.ToActor(), "team.created", "team", team.Slug, new { team.Name, team.CostCenter, team.MonthlyBudgetUsd });
        await db.SaveChangesAsync(cancellationToken);
        return FormResult.Ok;
    }

    public async Task<FormResult> UpdateAsync(ClaimsPrincipal user, string slug, TeamForm form, CancellationToken cancellationToken)
    {
        RequireAdmin(user);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Slug == slug, cancellationToken);
        if (team is null)
        {
            return FormResult.Invalid(new() { [nameof(Team.Slug)] = $"Team '{slug}' no longer exists." });
        }

        var errors = Team.Validate(team.Slug, form.Name, form.MonthlyBudgetUsd);
        if (errors.Count > 0)
        {
            return FormResult.Invalid(errors);
        }

        var before = new { team.Name, team.CostCenter, team.MonthlyBudgetUsd };
        var now = timeProvider.GetUtcNow();
        team.Update(form.Name, form.CostCenter, form.MonthlyBudgetUsd, now);
        db.Audit(now, user.ToActor(), "team.updated", "team", team.Slug, new { before, after = new { team.Name, team.CostCenter, team.MonthlyBudgetUsd } });
        await db.SaveChangesAsync(cancellationToken);
        return FormResult.Ok;
    }

    internal static void RequireAdmin(ClaimsPrincipal user)
    {
        if (!user.IsInRole(PortalRoles.Admin))
        {
            throw new UnauthorizedAccessException("Only admins manage teams and members.");
        }
    }
}

public sealed record TeamRow(Guid Id, string Slug, string Name, string CostCenter, decimal MonthlyBudgetUsd, int MemberCount);

/// <summary>The team form's fields; the same rules run in the form, the service and the entity.</summary>
public sealed class TeamForm
{
    public string Slug { get; set; } = "";

    public string Name { get; set; } = "";

    public string CostCenter { get; set; } = "";

    public decimal MonthlyBudgetUsd { get; set; }
}

/// <summary>Outcome of a form submission: success, or one message per field.</summary>
public sealed record FormResult(bool Succeeded, IReadOnlyDictionary<string, string> Errors)
{
    public static readonly FormResult Ok = new(true, new Dictionary<string, string>());

    public static FormResult Invalid(Dictionary<string, string> errors) => new(false, errors);
}
