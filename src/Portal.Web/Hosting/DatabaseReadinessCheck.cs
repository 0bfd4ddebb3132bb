using Microsoft.Extensions.Diagnostics.HealthChecks;
using Portal.Data;

namespace Portal.Web.Hosting;

/// <summary>Ready when the database answers and every migration this build carries has been applied.</summary>
internal sealed class DatabaseReadinessCheck(DatabaseMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await migrator.GetPendingMigrationsAsync(cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("Database reachable and migrated.")
                : HealthCheckResult.Unhealthy($"Database has {pending.Count} pending migration(s): {string.Join(", ", pending)}.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("Database unreachable.", ex);
        }
    }
}
