using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Configurations;

internal sealed class PortalEnvironmentConfiguration : IEntityTypeConfiguration<PortalEnvironment>
{
    // Same SQL on both providers; EnvironmentStatus is stored as its name.
    public const string LiveFilter = "\"Status\" <> 'Destroyed'";

    public void Configure(EntityTypeBuilder<PortalEnvironment> builder)
    {
        builder.ToTable("Environments");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Name).HasMaxLength(41).IsRequired();
        builder.Property(e => e.TemplateSlug).HasMaxLength(100).IsRequired();
        builder.Property(e => e.TemplateVersion).HasMaxLength(50).IsRequired();
        builder.Property(e => e.TemplateContentHash).HasMaxLength(64);
        builder.Property(e => e.Tier).HasConversion(LifecycleConversions.Tier).HasMaxLength(10);
        builder.Property(e => e.AccountId).HasMaxLength(12).IsRequired();
        builder.Property(e => e.Region).HasMaxLength(30).IsRequired();
        builder.Property(e => e.StackName).HasMaxLength(128).IsRequired();
        builder.Property(e => e.StackId).HasMaxLength(2048);
        builder.Property(e => e.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.FailedFrom).HasConversion<string>().HasMaxLength(20);
        builder.Property(e => e.OutputsJson).IsRequired();
        builder.Property(e => e.ParametersJson).IsRequired();
        builder.Property(e => e.VpcCidr).HasMaxLength(18);
        builder.Property(e => e.FailureReason).HasMaxLength(2000);
        builder.Property(e => e.HoursSavedBySchedule).HasPrecision(18, 2);
        // Columns added by 0003 carry a default (SQLite cannot add a NOT NULL column without one); 0 is also the CLR default.
        builder.Property(e => e.MonthlyEstimateUsd).HasPrecision(18, 2).HasDefaultValue(0m);
        builder.Property(e => e.MonthlyEstimateMaxUsd).HasPrecision(18, 2);
        builder.Property(e => e.ExpiryWarningsSent).HasDefaultValue(0);
        builder.Property(e => e.LastStackEventId).HasMaxLength(200);
        builder.Property(e => e.LastStackStatus).HasMaxLength(64);
        builder.Property(e => e.Version).IsConcurrencyToken();
        builder.Ignore(e => e.IsLive);

        builder.HasIndex(e => new { e.AccountId, e.Region, e.StackName }).IsUnique().HasFilter(LiveFilter).HasDatabaseName("IX_Environments_LiveStackName");
        builder.HasIndex(e => e.TeamId);
        builder.HasIndex(e => e.OwnerId);
        builder.HasIndex(e => new { e.Status, e.ExpiresAt });
        builder.HasIndex(e => e.UpdatedAt); // 0015: the change feed's catch-up and SQLite poll
        // The lists' order (newest first, ties by id): a page is read from the index, not sorted from every visible row.
        builder.HasIndex(e => new { e.CreatedAt, e.Id });
        builder.HasOne<Team>().WithMany().HasForeignKey(e => e.TeamId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(e => e.OwnerId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class EnvironmentRequestConfiguration : IEntityTypeConfiguration<EnvironmentRequest>
{
    public void Configure(EntityTypeBuilder<EnvironmentRequest> builder)
    {
        builder.ToTable("EnvironmentRequests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Kind).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.EnvironmentName).HasMaxLength(41).IsRequired();
        builder.Property(r => r.TemplateSlug).HasMaxLength(100).IsRequired();
        builder.Property(r => r.TemplateVersion).HasMaxLength(50).IsRequired();
        builder.Property(r => r.TemplateContentHash).HasMaxLength(64);
        builder.Property(r => r.Tier).HasConversion(LifecycleConversions.Tier).HasMaxLength(10);
        builder.Property(r => r.AccountId).HasMaxLength(12).IsRequired();
        builder.Property(r => r.Region).HasMaxLength(30).IsRequired();
        builder.Property(r => r.ParametersJson).IsRequired();
        builder.Property(r => r.Justification).HasMaxLength(EnvironmentRequest.MaxJustificationLength).IsRequired();
        builder.Property(r => r.EstimateLineItemsJson).IsRequired();
        builder.Property(r => r.EstimateMonthlyUsd).HasPrecision(18, 2);
        builder.Property(r => r.EstimateMonthlyMaxUsd).HasPrecision(18, 2);
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.PolicyOutcome).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.PolicyReason).HasMaxLength(1000).IsRequired();
        builder.Property(r => r.FailureReason).HasMaxLength(2000);
        builder.Property(r => r.ChangeSetName).HasMaxLength(128);
        builder.Property(r => r.PreviousEstimateMonthlyUsd).HasPrecision(18, 2);
        builder.Property(r => r.Version).IsConcurrencyToken();
        builder.Ignore(r => r.Approvals);

        builder.HasMany(r => r.Decisions).WithOne().HasForeignKey(d => d.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Navigation(r => r.Decisions).HasField("_decisions").UsePropertyAccessMode(PropertyAccessMode.Field);

        builder.HasIndex(r => new { r.Status, r.CreatedAt });
        builder.HasIndex(r => r.TeamId);
        builder.HasIndex(r => r.RequesterId);
        builder.HasIndex(r => r.EnvironmentId);
        builder.HasIndex(r => r.UpdatedAt); // 0015: the change feed's catch-up and SQLite poll
        builder.HasOne<Team>().WithMany().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(r => r.RequesterId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(r => r.EnvironmentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class RequestDecisionConfiguration : IEntityTypeConfiguration<RequestDecision>
{
    public void Configure(EntityTypeBuilder<RequestDecision> builder)
    {
        builder.ToTable("RequestDecisions");
        builder.HasKey(d => d.Id);

        // Decisions are added through the request's collection; a key the client sets makes them inserts, not updates.
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.Verdict).HasConversion<string>().HasMaxLength(10);
        builder.Property(d => d.Comment).HasMaxLength(EnvironmentRequest.MaxCommentLength);

        // One verdict per person per request, also when two saves race past the entity's own check.
        builder.HasIndex(d => new { d.RequestId, d.DeciderId }).IsUnique();
        builder.HasIndex(d => d.DeciderId);
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(d => d.DeciderId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CidrAllocationConfiguration : IEntityTypeConfiguration<CidrAllocation>
{
    public void Configure(EntityTypeBuilder<CidrAllocation> builder)
    {
        builder.ToTable("CidrAllocations");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.AccountId).HasMaxLength(12).IsRequired();
        builder.Property(a => a.Region).HasMaxLength(30).IsRequired();
        builder.Property(a => a.Cidr).HasMaxLength(18).IsRequired();

        // At most one live block per environment; overlap between environments is the exclusion constraint's job (0002_lifecycle.sql).
        builder.HasIndex(a => a.EnvironmentId).IsUnique().HasFilter("\"ReleasedAt\" IS NULL").HasDatabaseName("IX_CidrAllocations_LiveEnvironmentId");
        builder.HasIndex(a => new { a.AccountId, a.Region, a.ReleasedAt });
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(a => a.EnvironmentId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class StackEventRecordConfiguration : IEntityTypeConfiguration<StackEventRecord>
{
    public void Configure(EntityTypeBuilder<StackEventRecord> builder)
    {
        builder.ToTable("StackEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.Property(e => e.EventId).HasMaxLength(200).IsRequired();
        builder.Property(e => e.LogicalResourceId).HasMaxLength(256).IsRequired();
        builder.Property(e => e.PhysicalResourceId).HasMaxLength(2048);
        builder.Property(e => e.ResourceType).HasMaxLength(256).IsRequired();
        builder.Property(e => e.ResourceStatus).HasMaxLength(64).IsRequired();
        builder.Property(e => e.ResourceStatusReason).HasMaxLength(2000);
        builder.Ignore(e => e.IsFailure);

        builder.HasIndex(e => new { e.EnvironmentId, e.EventId }).IsUnique();
        builder.HasIndex(e => new { e.EnvironmentId, e.Timestamp });
        builder.HasOne<PortalEnvironment>().WithMany().HasForeignKey(e => e.EnvironmentId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.ToTable("Notifications");
        builder.HasKey(n => n.Id);
        builder.Property(n => n.Id).ValueGeneratedNever();
        builder.Property(n => n.Kind).HasMaxLength(50).IsRequired();
        builder.Property(n => n.Title).HasMaxLength(200).IsRequired();
        builder.Property(n => n.Body).HasMaxLength(2000).IsRequired();
        builder.Property(n => n.Link).HasMaxLength(500);
        builder.Property(n => n.DedupeKey).HasMaxLength(200).IsRequired();

        builder.HasIndex(n => new { n.UserId, n.DedupeKey }).IsUnique();
        builder.HasIndex(n => new { n.UserId, n.CreatedAt });
        builder.HasIndex(n => n.CreatedAt); // 0015: the change feed's catch-up and SQLite poll
        builder.HasOne<PortalUser>().WithMany().HasForeignKey(n => n.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal static class LifecycleConversions
{
    public static readonly ValueConverter<EnvironmentTier, string> Tier = new(t => t.Slug(), s => EnvironmentTiers.Parse(s));
}
