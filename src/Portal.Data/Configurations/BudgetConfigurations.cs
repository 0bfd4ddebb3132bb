using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Configurations;

internal sealed class OrganisationBudgetConfiguration : IEntityTypeConfiguration<OrganisationBudget>
{
    public void Configure(EntityTypeBuilder<OrganisationBudget> builder)
    {
        builder.ToTable("OrganisationBudgets");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.MonthlyBudgetUsd).HasPrecision(18, 2);
    }
}

internal sealed class BudgetAlertConfiguration : IEntityTypeConfiguration<BudgetAlert>
{
    public void Configure(EntityTypeBuilder<BudgetAlert> builder)
    {
        builder.ToTable("BudgetAlerts");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Scope).HasMaxLength(60).IsRequired();
        builder.Property(a => a.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(a => a.BudgetUsd).HasPrecision(18, 2);
        builder.Property(a => a.ActualUsd).HasPrecision(18, 2);
        builder.Property(a => a.ForecastUsd).HasPrecision(18, 2);

        // Once per threshold per month: a second node (or a rerun) inserting the same alert fails here and backs off.
        builder.HasIndex(a => new { a.Scope, a.Month, a.Kind }).IsUnique();
        builder.HasIndex(a => a.TeamId);
        builder.HasOne<Entities.Team>().WithMany().HasForeignKey(a => a.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CostAnomalyConfiguration : IEntityTypeConfiguration<CostAnomaly>
{
    public void Configure(EntityTypeBuilder<CostAnomaly> builder)
    {
        builder.ToTable("CostAnomalies");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Scope).HasMaxLength(60).IsRequired();
        builder.Property(a => a.AmountUsd).HasPrecision(18, 2);
        builder.Property(a => a.MeanUsd).HasPrecision(18, 2);
        builder.Property(a => a.StdDevUsd).HasPrecision(18, 2);
        builder.Property(a => a.AcknowledgedByName).HasMaxLength(256);
        builder.Property(a => a.AcknowledgementNote).HasMaxLength(CostAnomaly.MaxNoteLength);
        builder.Ignore(a => a.IsAcknowledged);

        builder.HasIndex(a => new { a.Scope, a.Date }).IsUnique();
        builder.HasIndex(a => new { a.TeamId, a.Date });
        builder.HasIndex(a => a.Date);
        builder.HasOne<Entities.Team>().WithMany().HasForeignKey(a => a.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(a => a.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CostAllocationTagCheckConfiguration : IEntityTypeConfiguration<CostAllocationTagCheck>
{
    public void Configure(EntityTypeBuilder<CostAllocationTagCheck> builder)
    {
        builder.ToTable("CostAllocationTagChecks");
        builder.HasKey(c => new { c.AccountId, c.TagKey });
        builder.Property(c => c.AccountId).HasMaxLength(12);
        builder.Property(c => c.TagKey).HasMaxLength(128);
        builder.Property(c => c.Status).HasMaxLength(20).IsRequired();
        builder.Property(c => c.Error).HasMaxLength(CostAllocationTagCheck.MaxErrorLength);
        builder.Ignore(c => c.IsActive);
    }
}
