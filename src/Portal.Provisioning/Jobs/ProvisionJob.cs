using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Lifecycle;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Runs one environment's next provisioning step (<see cref="EnvironmentProvisioner"/>). One job per environment, so
/// Quartz never runs two steps of one environment at once; a transient failure (throttling, a dropped connection) tries
/// again with backoff, and the reconciler re-schedules anything still pending every minute.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class ProvisionJob(EnvironmentProvisioner provisioner, ILogger<ProvisionJob> logger) : IJob
{
    public const string Group = "provision";
    public const string EnvironmentIdKey = "environmentId";
    public const string AttemptKey = "attempt";
    public const string TraceParentKey = "traceparent";

    public static JobKey KeyFor(Guid environmentId) => new($"provision-{environmentId:N}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var environmentId = Guid.Parse(context.MergedJobDataMap.GetString(EnvironmentIdKey)!);
        var attempt = context.Trigger.JobDataMap.TryGetValue(AttemptKey, out var value) && int.TryParse(value?.ToString(), out var n) ? n : 0;

        // A child of the request that enqueued the step (linked to Quartz's own span), so one trace shows the approval,
        // this job and its AWS calls.
        var requested = context.MergedJobDataMap.TryGetValue(TraceParentKey, out var parent) && ActivityContext.TryParse(parent?.ToString(), null, out var parsed)
            ? parsed
            : default;
        var links = Activity.Current is { } quartz ? new[] { new ActivityLink(quartz.Context) } : null;
        using var activity = LifecycleMetrics.Source.StartActivity(ActivityKind.Internal, requested, links: links, name: "provision environment");
        activity?.SetTag("portal.environment.id", environmentId.ToString());
        activity?.SetTag("portal.attempt", attempt);
        try
        {
            await provisioner.RunAsync(environmentId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException && attempt < 8)
        {
            var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, attempt)));
            LogRetrying(e, environmentId, delay.TotalSeconds, e is ThrottlingException ? "throttled" : e.GetType().Name);
            await context.Scheduler.ScheduleJob(
                TriggerBuilder.Create().ForJob(context.JobDetail.Key).UsingJobData(AttemptKey, (attempt + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .StartAt(DateTimeOffset.UtcNow + delay).Build(),
                new ScheduleJobOptions(),
                cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provisioning step of environment {EnvironmentId} failed ({Kind}); retrying in {Seconds} s")]
    private partial void LogRetrying(Exception exception, Guid environmentId, double seconds, string kind);
}
