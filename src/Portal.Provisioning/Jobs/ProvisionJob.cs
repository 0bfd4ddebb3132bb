using System.Diagnostics;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Runs one environment's next provisioning step (<see cref="EnvironmentProvisioner"/>: create, update by change set,
/// stop/start, destroy, retry). The argument is the environment's id only; the row says which step (and which operation,
/// whose ClientRequestToken makes a repeated call harmless). Never two steps of one environment at once (a lock per
/// environment), so a duplicated or retried job finds the step done and does nothing. A transient failure retries with
/// backoff; the last attempt records the reason on the environment (Failed), which the user sees and may retry.
/// </summary>
[JobTracing]
public sealed partial class ProvisionJob(EnvironmentProvisioner provisioner, JobLocks locks, ILogger<ProvisionJob> logger)
{
    /// <summary>Retries after the first attempt: 1 s doubling to a minute, about four and a half minutes in all.</summary>
    public const int Retries = 9;

    /// <summary>How long a step waits for another step of the same environment to finish before it counts as a failed attempt.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(30);

    public static string LockName(Guid environmentId) => $"environment:{environmentId:N}";

    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = new[] { 1, 2, 4, 8, 16, 32, 60, 60, 60 }, OnAttemptsExceeded = AttemptsExceededAction.Fail, LogEvents = false)]
    [JobDisplayName("Provisioning step of environment {0}")]
    public async Task RunAsync(Guid environmentId, PerformContext? context, CancellationToken cancellationToken)
    {
        var attempt = context?.GetJobParameter<int>("RetryCount", allowStale: true) ?? 0;
        using var activity = LifecycleMetrics.Source.StartActivity("provision environment");
        activity?.SetTag("portal.environment.id", environmentId.ToString());
        activity?.SetTag("portal.attempt", attempt);
        try
        {
            await using var held = await locks.TryAcquireAsync(LockName(environmentId), LockWait, cancellationToken)
                ?? throw new EnvironmentBusyException(environmentId);
            await provisioner.RunAsync(environmentId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            var kind = e is ThrottlingException ? "throttled" : e.GetType().Name;
            if (attempt >= Retries)
            {
                LogGaveUp(e, environmentId, attempt + 1, kind);
                await provisioner.GiveUpAsync(environmentId, $"The provisioning step failed {attempt + 1} times and was given up ({kind}: {e.Message}). Retry the environment to try again.", cancellationToken);
            }
            else
            {
                LogRetrying(e, environmentId, attempt + 1, kind);
            }

            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provisioning step of environment {EnvironmentId} failed (attempt {Attempt}, {Kind}); Hangfire retries it with backoff")]
    private partial void LogRetrying(Exception exception, Guid environmentId, int attempt, string kind);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provisioning step of environment {EnvironmentId} failed {Attempts} times ({Kind}); the environment is marked Failed")]
    private partial void LogGaveUp(Exception exception, Guid environmentId, int attempts, string kind);
}

/// <summary>Another step of the environment held its lock for longer than <see cref="ProvisionJob.LockWait"/>; the job retries.</summary>
public sealed class EnvironmentBusyException(Guid environmentId)
    : Exception($"Another provisioning step of environment {environmentId} is still running.");
