using System.Text.RegularExpressions;

namespace Portal.Data.Entities;

/// <summary>A team that owns environments and carries a monthly budget.</summary>
public sealed partial class Team
{
    public const string SlugPattern = "^[a-z][a-z0-9-]{1,30}$";

    public Guid Id { get; private set; }

    public string Slug { get; private set; } = "";

    public string Name { get; private set; } = "";

    public string CostCenter { get; private set; } = "";

    public decimal MonthlyBudgetUsd { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public List<TeamMembership> Memberships { get; private set; } = [];

    private Team()
    {
    }

    public static Team Create(string slug, string name, string costCenter, decimal monthlyBudgetUsd, DateTimeOffset now)
    {
        var team = new Team { Id = Guid.CreateVersion7(now), Slug = slug, CreatedAt = now };
        team.Update(name, costCenter, monthlyBudgetUsd, now);
        var errors = Validate(slug, name, monthlyBudgetUsd);
        return errors.Count == 0 ? team : throw new DomainValidationException(errors);
    }

    public void Update(string name, string costCenter, decimal monthlyBudgetUsd, DateTimeOffset now)
    {
        var errors = Validate(Slug, name, monthlyBudgetUsd);
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }

        Name = name.Trim();
        CostCenter = costCenter.Trim();
        MonthlyBudgetUsd = monthlyBudgetUsd;
        UpdatedAt = now;
    }

    /// <summary>Field-level rule check shared by the entity, the admin form and the API.</summary>
    public static Dictionary<string, string> Validate(string slug, string name, decimal monthlyBudgetUsd)
    {
        var errors = new Dictionary<string, string>();
        if (!SlugRegex().IsMatch(slug ?? ""))
        {
            errors[nameof(Slug)] = "Slug must start with a lowercase letter and contain 2 to 31 lowercase letters, digits or hyphens.";
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            errors[nameof(Name)] = "Name is required.";
        }
        else if (name.Trim().Length > 100)
        {
            errors[nameof(Name)] = "Name must be at most 100 characters.";
        }

        if (monthlyBudgetUsd < 0)
        {
            errors[nameof(MonthlyBudgetUsd)] = "Monthly budget must be zero or more.";
        }

        return errors;
    }

    [GeneratedRegex(SlugPattern)]
    private static partial Regex SlugRegex();
}

/// <summary>A user's membership of a team.</summary>
public sealed class TeamMembership
{
    public Guid TeamId { get; set; }

    public Team? Team { get; set; }

    public Guid UserId { get; set; }

    public PortalUser? User { get; set; }

    public DateTimeOffset JoinedAt { get; set; }
}
