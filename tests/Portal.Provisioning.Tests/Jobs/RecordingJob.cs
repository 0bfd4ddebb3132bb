using Quartz;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>Records each run in <see cref="JobProbe"/>.</summary>
public sealed class RecordingJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // Long enough that a second node acquiring the same firing would overlap with this one.
        await Task.Delay(50, cancellationToken);
        JobProbe.Record(context);
    }
}
