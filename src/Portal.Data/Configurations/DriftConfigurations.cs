using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Configurations;

/// <summary>The out-of-band columns of <c>Environments</c> (migration 0012), beside <see cref="PortalEnvironmentConfiguration"/>.</summary>
internal sealed class PortalEnvironmentOutOfBandConfiguration : IEntityTypeConfiguration<PortalEnvironment>
{
    public void Configure(EntityTypeBuilder<PortalEnvironment> builder)
    {
        builder.Property(e => e.OutOfBand).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.OutOfBandDetail).HasMaxLength(1000);
        builder.Ignore(e => e.OutOfBandLabel);
        builder.Ignore(e => e.IsWatchedForOutOfBand);
        builder.Ignore(e => e.ChangedOutsideReason);
    }
}

internal sealed class EnvironmentDriftConfiguration : IEntityTypeConfiguration<EnvironmentDrift>
{
    public void Configure(EntityTypeBuilder<EnvironmentDrift> builder)
    {
        builder.ToTable("EnvironmentDrifts");
        builder.HasKey(d => d.EnvironmentId);
        builder.Property(d => d.EnvironmentId).ValueGeneratedNever();
        builder.Property(d => d.AccountId).HasMaxLength(12).IsRequired();
        builder.Property(d => d.Status).HasMaxLength(20).IsRequired();
        builder.Property(d => d.DetectionId).HasMaxLength(100);
        builder.Property(d => d.ResourcesJson).IsRequired();
        builder.Property(d => d.FailureReason).HasMaxLength(2000);
        builder.Ignore(d => d.InFlight);
        builder.HasIndex(d => d.NextDueAt);
        builder.HasIndex(d => new { d.AccountId, d.DetectionStartedAt });
        builder.HasIndex(d => d.UpdatedAt); // 0019: the change feed's catch-up and SQLite poll
        builder.HasOne<PortalEnvironment>().WithOne().HasForeignKey<EnvironmentDrift>(d => d.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
    }
}
