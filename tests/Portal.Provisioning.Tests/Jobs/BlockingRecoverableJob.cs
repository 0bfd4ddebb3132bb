using Quartz;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>First run blocks until the test releases it (standing in for a node that dies mid-job); a recovered run completes at once.</summary>
public sealed class BlockingRecoverableJob : IJob
{
    public const string StartedSuffix = ":started";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var probe = JobProbe.IdOf(context);
        if (!context.Recovering)
        {
            JobProbe.Release(probe + StartedSuffix).TrySetResult();
            await JobProbe.Release(probe).Task;
            return;
        }

        JobProbe.Record(context);
    }
}
