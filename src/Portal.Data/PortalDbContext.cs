using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data;

/// <summary>The portal's store. Services open one per operation through <c>IDbContextFactory&lt;PortalDbContext&gt;</c>.</summary>
public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options)
    : IdentityDbContext<PortalUser, PortalRole, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Team> Teams => Set<Team>();

    public DbSet<TeamMembership> TeamMemberships => Set<TeamMembership>();

    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    /// <summary>The data-protection key ring, shared by every node (ASP.NET Core's EF Core key store reads and writes it).</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<PortalEnvironment> Environments => Set<PortalEnvironment>();

    public DbSet<EnvironmentRequest> EnvironmentRequests => Set<EnvironmentRequest>();

    public DbSet<RequestDecision> RequestDecisions => Set<RequestDecision>();

    public DbSet<CidrAllocation> CidrAllocations => Set<CidrAllocation>();

    public DbSet<StackEventRecord> StackEvents => Set<StackEventRecord>();

    public DbSet<EnvironmentDrift> EnvironmentDrifts => Set<EnvironmentDrift>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<CostFact> CostFacts => Set<CostFact>();

    public DbSet<CostIngestionRun> CostIngestionRuns => Set<CostIngestionRun>();

    public DbSet<CostDailyRollup> CostDailyRollups => Set<CostDailyRollup>();

    public DbSet<CostMonthlyRollup> CostMonthlyRollups => Set<CostMonthlyRollup>();

    public DbSet<CostEnvironmentDay> CostEnvironmentDays => Set<CostEnvironmentDay>();

    public DbSet<CostEnvironmentMonth> CostEnvironmentMonths => Set<CostEnvironmentMonth>();

    public DbSet<OrganisationBudget> OrganisationBudgets => Set<OrganisationBudget>();

    public DbSet<BudgetAlert> BudgetAlerts => Set<BudgetAlert>();

    public DbSet<CostAnomaly> CostAnomalies => Set<CostAnomaly>();

    public DbSet<CostAllocationTagCheck> CostAllocationTagChecks => Set<CostAllocationTagCheck>();

    public DbSet<Entities.Campaigns.TemplateVersionRecord> TemplateVersions => Set<Entities.Campaigns.TemplateVersionRecord>();

    public DbSet<Entities.Campaigns.UpgradeCampaign> UpgradeCampaigns => Set<Entities.Campaigns.UpgradeCampaign>();

    public DbSet<Entities.Campaigns.CampaignTarget> CampaignTargets => Set<Entities.Campaigns.CampaignTarget>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.Entity<PortalUser>().ToTable("Users");
        builder.Entity<PortalUser>().Property(u => u.DisplayName).HasMaxLength(200).IsRequired();
        builder.Entity<PortalRole>().ToTable("Roles");
        builder.Entity<IdentityUserRole<Guid>>().ToTable("UserRoles");
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("UserClaims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("UserLogins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("UserTokens");
        builder.Entity<IdentityRoleClaim<Guid>>().ToTable("RoleClaims");
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

        if (Database.IsNpgsql())
        {
            builder.Entity<AuditEvent>().Property(e => e.Detail).HasColumnType("jsonb");
            builder.Entity<PortalEnvironment>().Property(e => e.OutputsJson).HasColumnType("jsonb");
            builder.Entity<PortalEnvironment>().Property(e => e.ParametersJson).HasColumnType("jsonb");
            builder.Entity<EnvironmentRequest>().Property(r => r.ParametersJson).HasColumnType("jsonb");
            builder.Entity<EnvironmentRequest>().Property(r => r.EstimateLineItemsJson).HasColumnType("jsonb");
            builder.Entity<EnvironmentRequest>().Property(r => r.ChangesJson).HasColumnType("jsonb");
        }
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        if (Database.IsSqlite())
        {
            // SQLite has no native timestamp or decimal: store instants as sortable UTC ticks and money as REAL so SQL can compare and sum them.
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
            configurationBuilder.Properties<decimal>().HaveConversion<double>();
        }
    }
}
