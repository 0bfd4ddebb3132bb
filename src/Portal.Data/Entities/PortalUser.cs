using Microsoft.AspNetCore.Identity;

namespace Portal.Data.Entities;

/// <summary>A person who signs in to the portal (local account or single sign-on).</summary>
public sealed class PortalUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public List<TeamMembership> Memberships { get; set; } = [];
}

/// <summary>A global role (see <see cref="PortalRoles"/>).</summary>
public sealed class PortalRole : IdentityRole<Guid>
{
    public PortalRole()
    {
    }

    public PortalRole(string name) : base(name)
    {
    }
}

/// <summary>The portal's global roles.</summary>
public static class PortalRoles
{
    public const string Developer = "Developer";
    public const string PlatformEngineer = "PlatformEngineer";
    public const string Finance = "Finance";
    public const string Admin = "Admin";

    public static readonly IReadOnlyList<string> All = [Developer, PlatformEngineer, Finance, Admin];

    /// <summary>Returns the canonical spelling of a role name, or null when it is not a portal role.</summary>
    public static string? Normalize(string? role) =>
        All.FirstOrDefault(r => string.Equals(r, role?.Trim(), StringComparison.OrdinalIgnoreCase));
}
