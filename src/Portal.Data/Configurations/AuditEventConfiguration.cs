using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Data.Entities;

namespace Portal.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.ToTable("AuditEvents");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedOnAdd();
        builder.Property(e => e.Actor).HasMaxLength(256).IsRequired();
        builder.Property(e => e.Action).HasMaxLength(100).IsRequired();
        builder.Property(e => e.TargetType).HasMaxLength(100).IsRequired();
        builder.Property(e => e.TargetId).HasMaxLength(200).IsRequired();
        builder.Property(e => e.TraceId).HasMaxLength(64);
        builder.Property(e => e.Detail).IsRequired();
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => new { e.Actor, e.OccurredAt });
        builder.HasIndex(e => new { e.Action, e.OccurredAt });
        builder.HasIndex(e => new { e.TargetType, e.TargetId });
    }
}
