using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Configurations;

internal sealed class CostFactConfiguration : IEntityTypeConfiguration<CostFact>
{
    public void Configure(EntityTypeBuilder<CostFact> builder)
    {
        builder.ToTable("CostFacts");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.EnvironmentTag).HasMaxLength(CostFact.MaxTagLength).IsRequired();
        builder.Property(f => f.Service).HasMaxLength(CostFact.MaxServiceLength).IsRequired();
        CostColumns.Configure(builder);

        // The upsert key: untagged spend has EnvironmentTag "" (not NULL), so it is unique per account and service too.
        // It leads with Date, so it also serves date-range scans (no separate Date index).
        builder.HasIndex(f => new { f.Date, f.AccountId, f.EnvironmentTag, f.Service }).IsUnique();
        builder.HasIndex(f => new { f.TeamId, f.Date });
        builder.HasIndex(f => new { f.EnvironmentId, f.Date });
        // The dashboards' organisation-wide scans by date: on PostgreSQL the index carries every grouped column and the amount,
        // so a month of facts is read from the index alone (0007). SQLite ignores INCLUDE.
        builder.HasIndex(f => new { f.Date, f.TeamId }).IncludeProperties(f => new { f.Tier, f.EnvironmentId, f.AccountId, f.Service, f.UnblendedUsd });
        // Unallocated spend by date (waste): a few rows a day among thousands, so a partial index (0009).
        builder.HasIndex(f => f.Date, "IX_CostFacts_Date_Unallocated").HasFilter("\"EnvironmentId\" IS NULL")
            .IncludeProperties(f => new { f.AccountId, f.EnvironmentTag, f.UnblendedUsd });
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(f => f.EnvironmentId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<Entities.Team>().WithMany().HasForeignKey(f => f.TeamId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CostDailyRollupConfiguration : IEntityTypeConfiguration<CostDailyRollup>
{
    public void Configure(EntityTypeBuilder<CostDailyRollup> builder)
    {
        builder.ToTable("CostDailyRollups");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Service).HasMaxLength(CostFact.MaxServiceLength).IsRequired();
        CostColumns.Configure(builder);

        // Rebuilt per (account, date range); read by date range, or by team and date range.
        builder.HasIndex(r => new { r.Date, r.AccountId });
        builder.HasIndex(r => new { r.TeamId, r.Date });
    }
}

internal sealed class CostMonthlyRollupConfiguration : IEntityTypeConfiguration<CostMonthlyRollup>
{
    public void Configure(EntityTypeBuilder<CostMonthlyRollup> builder)
    {
        builder.ToTable("CostMonthlyRollups");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Service).HasMaxLength(CostFact.MaxServiceLength).IsRequired();
        CostColumns.Configure(builder);

        // Rebuilt per (account, months); read by month range.
        builder.HasIndex(r => new { r.Month, r.AccountId });
    }
}

internal sealed class CostEnvironmentDayConfiguration : IEntityTypeConfiguration<CostEnvironmentDay>
{
    public void Configure(EntityTypeBuilder<CostEnvironmentDay> builder)
    {
        builder.ToTable("CostEnvironmentDays");

        // Written only by SQL (CostRollups), so keyless to EF; unique per environment, day and account through the index below,
        // which carries the amount so a waste period's days are read from the index alone.
        builder.HasNoKey();
        // It carries the month-to-date total too, so a range edge's latest day is read from the index alone.
        builder.HasIndex(r => new { r.EnvironmentId, r.Date, r.AccountId }).IsUnique()
            .IncludeProperties(r => new { r.TeamId, r.Tier, r.UnblendedUsd, r.MonthToDateUnblendedUsd });
        CostColumns.Configure(builder);
        builder.Property(r => r.MonthToDateUnblendedUsd).HasPrecision(18, 6);

        // Read by date range (or one edge day) for every environment (PostgreSQL answers from the index alone).
        builder.HasIndex(r => r.Date).IncludeProperties(r => new { r.EnvironmentId, r.AccountId, r.TeamId, r.Tier, r.UnblendedUsd, r.MonthToDateUnblendedUsd });
    }
}

internal sealed class CostEnvironmentMonthConfiguration : IEntityTypeConfiguration<CostEnvironmentMonth>
{
    public void Configure(EntityTypeBuilder<CostEnvironmentMonth> builder)
    {
        builder.ToTable("CostEnvironmentMonths");
        builder.HasNoKey();
        builder.HasIndex(r => new { r.EnvironmentId, r.Month, r.AccountId }).IsUnique();
        CostColumns.Configure(builder);

        builder.HasIndex(r => r.Month).IncludeProperties(r => new { r.EnvironmentId, r.AccountId, r.TeamId, r.Tier, r.UnblendedUsd });
    }
}

internal sealed class CostIngestionRunConfiguration : IEntityTypeConfiguration<CostIngestionRun>
{
    public void Configure(EntityTypeBuilder<CostIngestionRun> builder)
    {
        builder.ToTable("CostIngestionRuns");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.AccountId).HasMaxLength(12).IsRequired();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.Error).HasMaxLength(CostIngestionRun.MaxErrorLength);
        builder.Ignore(r => r.Days);
        builder.HasIndex(r => new { r.AccountId, r.StartedAt });
    }
}

/// <summary>Columns every cost table shares: the account, the tier (stored as its slug) and both amounts.</summary>
internal static class CostColumns
{
    public static void Configure(EntityTypeBuilder builder)
    {
        builder.Property(nameof(ICostSlice.AccountId)).HasMaxLength(12).IsRequired();
        builder.Property(nameof(ICostSlice.Tier)).HasConversion(LifecycleConversions.Tier).HasMaxLength(10);

        // Cost Explorer reports up to 10 decimals; 6 keeps sub-cent daily figures of small resources.
        builder.Property(nameof(ICostAmount.UnblendedUsd)).HasPrecision(18, 6);
        builder.Property(nameof(ICostAmount.AmortizedUsd)).HasPrecision(18, 6);
    }
}
