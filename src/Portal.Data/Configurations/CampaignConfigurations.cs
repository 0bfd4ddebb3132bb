using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Configurations;

internal sealed class TemplateVersionRecordConfiguration : IEntityTypeConfiguration<TemplateVersionRecord>
{
    public void Configure(EntityTypeBuilder<TemplateVersionRecord> builder)
    {
        builder.ToTable("TemplateVersions");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.TemplateSlug).HasMaxLength(100).IsRequired();
        builder.Property(v => v.Version).HasMaxLength(50).IsRequired();
        builder.Property(v => v.ContentHash).HasMaxLength(64).IsRequired();
        builder.Property(v => v.TemplateBody).IsRequired();
        builder.Property(v => v.ManifestJson).IsRequired();

        // One row per content: two nodes recording the same load insert it once.
        builder.HasIndex(v => new { v.TemplateSlug, v.ContentHash }).IsUnique();
        builder.HasIndex(v => new { v.TemplateSlug, v.Version });
    }
}

internal sealed class UpgradeCampaignConfiguration : IEntityTypeConfiguration<UpgradeCampaign>
{
    public void Configure(EntityTypeBuilder<UpgradeCampaign> builder)
    {
        builder.ToTable("UpgradeCampaigns");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.Name).HasMaxLength(UpgradeCampaign.MaxNameLength).IsRequired();
        builder.Property(c => c.TemplateSlug).HasMaxLength(100).IsRequired();
        builder.Property(c => c.TargetVersion).HasMaxLength(50).IsRequired();
        builder.Property(c => c.TargetContentHash).HasMaxLength(64).IsRequired();
        builder.Property(c => c.Tiers).HasMaxLength(100).IsRequired();
        builder.Property(c => c.Teams).HasMaxLength(2000).IsRequired();
        builder.Property(c => c.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(c => c.PauseReason).HasMaxLength(1000);
        builder.Property(c => c.CreatedByName).HasMaxLength(256).IsRequired();
        builder.Property(c => c.Version).IsConcurrencyToken();
        builder.Ignore(c => c.IsFinished);

        builder.HasIndex(c => new { c.Status, c.CreatedAt });
        builder.HasIndex(c => c.UpdatedAt); // 0019: the change feed's catch-up and SQLite poll
        builder.HasMany<CampaignTarget>().WithOne().HasForeignKey(t => t.CampaignId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class CampaignTargetConfiguration : IEntityTypeConfiguration<CampaignTarget>
{
    public void Configure(EntityTypeBuilder<CampaignTarget> builder)
    {
        builder.ToTable("CampaignTargets");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Tier).HasConversion(LifecycleConversions.Tier).HasMaxLength(10);
        builder.Property(t => t.FromVersion).HasMaxLength(50).IsRequired();
        builder.Property(t => t.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(t => t.ChangesJson).IsRequired();
        builder.Property(t => t.ParameterNotesJson).IsRequired();
        builder.Property(t => t.CurrentMonthlyUsd).HasPrecision(18, 2);
        builder.Property(t => t.TargetMonthlyUsd).HasPrecision(18, 2);
        builder.Property(t => t.Detail).HasMaxLength(2000);
        builder.Property(t => t.Version).HasDefaultValue(0).IsConcurrencyToken();
        builder.Ignore(t => t.CostDeltaUsd);
        builder.Ignore(t => t.IsTerminal);

        // A step is keyed by campaign + environment.
        builder.HasIndex(t => new { t.CampaignId, t.EnvironmentId }).IsUnique();
        builder.HasIndex(t => t.EnvironmentId);
        builder.HasIndex(t => t.UpdatedAt); // 0019: the change feed's catch-up and SQLite poll
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(t => t.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Team>().WithMany().HasForeignKey(t => t.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<EnvironmentRequest>().WithMany().HasForeignKey(t => t.RequestId).OnDelete(DeleteBehavior.SetNull);
    }
}
