using System.Diagnostics;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// A span per Hangfire job, in the trace of whatever enqueued it: on enqueue the current W3C trace context is stored as the
/// job's <c>traceparent</c> parameter; on perform a span from <see cref="SourceName"/> starts with that parent, so one trace
/// runs from an approval's HTTP request through its provisioning job to the AWS calls. Stateless (no per-portal state), so
/// it is applied as an attribute on each job class.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class JobTracingAttribute : JobFilterAttribute, IClientFilter, IServerFilter
{
    public const string SourceName = "Portal.Jobs";
    public const string TraceParentParameter = "traceparent";
    private const string ActivityItem = "portal.activity";

    private static readonly ActivitySource Source = new(SourceName);

    public void OnCreating(CreatingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Activity.Current?.Id is { } parent)
        {
            context.SetJobParameter(TraceParentParameter, parent);
        }
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var stored = context.GetJobParameter<string>(TraceParentParameter, allowStale: true);
        var parent = stored is not null && ActivityContext.TryParse(stored, null, out var parsed) ? parsed : default;
        var job = context.BackgroundJob.Job;
        var activity = Source.StartActivity($"{job.Type.Name}.{job.Method.Name}", ActivityKind.Consumer, parent);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("hangfire.job.id", context.BackgroundJob.Id);
        activity.SetTag("hangfire.job.type", job.Type.Name);
        activity.SetTag("hangfire.retry", context.GetJobParameter<int>("RetryCount", allowStale: true));
        context.Items[ActivityItem] = activity;
    }

    public void OnPerformed(PerformedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(ActivityItem, out var item) && item is Activity activity)
        {
            if (context.Exception is { } exception && !context.ExceptionHandled)
            {
                activity.SetStatus(ActivityStatusCode.Error, exception.InnerException?.Message ?? exception.Message);
            }

            activity.Stop();
        }
    }
}
