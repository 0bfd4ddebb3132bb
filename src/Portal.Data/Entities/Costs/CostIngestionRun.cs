namespace Portal.Data.Entities.Costs;

/// <summary>One ingestion of an account's Cost Explorer data: the window asked for, the billed calls it made and how it ended.</summary>
public sealed class CostIngestionRun
{
    public const int MaxErrorLength = 2000;

    public Guid Id { get; private set; }

    public string AccountId { get; private set; } = "";

    public DateTimeOffset StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    /// <summary>First day ingested.</summary>
    public DateOnly FromDate { get; private set; }

    /// <summary>Day after the last day ingested (exclusive, as Cost Explorer's TimePeriod.End).</summary>
    public DateOnly ToDate { get; private set; }

    /// <summary>Cost Explorer requests made (each page is one, billed at $0.01).</summary>
    public int Calls { get; private set; }

    public int Inserted { get; private set; }

    public int Updated { get; private set; }

    public int Deleted { get; private set; }

    public CostIngestionStatus Status { get; private set; }

    public string? Error { get; private set; }

    public int Days => ToDate.DayNumber - FromDate.DayNumber;

    private CostIngestionRun()
    {
    }

    public static CostIngestionRun Start(string accountId, DateOnly from, DateOnly to, DateTimeOffset now)
    {
        if (to <= from)
        {
            throw new ArgumentException($"The window {from:yyyy-MM-dd} to {to:yyyy-MM-dd} is empty.", nameof(to));
        }

        return new() { Id = Guid.CreateVersion7(now), AccountId = accountId, FromDate = from, ToDate = to, StartedAt = now, Status = CostIngestionStatus.Running };
    }

    public void Succeed(int calls, int inserted, int updated, int deleted, DateTimeOffset now)
    {
        EnsureRunning();
        (Calls, Inserted, Updated, Deleted, FinishedAt, Status) = (calls, inserted, updated, deleted, now, CostIngestionStatus.Succeeded);
    }

    public void Fail(int calls, string error, DateTimeOffset now)
    {
        EnsureRunning();
        (Calls, FinishedAt, Status) = (calls, now, CostIngestionStatus.Failed);
        Error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
    }

    private void EnsureRunning()
    {
        if (Status != CostIngestionStatus.Running)
        {
            throw new InvalidOperationException($"Ingestion run {Id} already ended ({Status}).");
        }
    }
}

public enum CostIngestionStatus
{
    Running,
    Succeeded,
    Failed,
}
