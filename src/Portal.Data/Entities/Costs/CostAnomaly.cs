namespace Portal.Data.Entities.Costs;

/// <summary>
/// A day on which a team's or an environment's cost rose more than 3 standard deviations and more than $20 above its
/// trailing 14-day mean. Unique per (scope, date). Finance, an admin or a member of the team acknowledges it with a note.
/// </summary>
public sealed class CostAnomaly
{
    public const int MaxNoteLength = 1000;

    public Guid Id { get; private set; }

    /// <summary><c>team:{teamId}</c> or <c>environment:{environmentId}</c>.</summary>
    public string Scope { get; private set; } = "";

    /// <summary>The team, or the environment's team (whose members see and may acknowledge it).</summary>
    public Guid TeamId { get; private set; }

    /// <summary>The environment, for an environment's anomaly; null for a team's.</summary>
    public Guid? EnvironmentId { get; private set; }

    public DateOnly Date { get; private set; }

    public decimal AmountUsd { get; private set; }

    /// <summary>Mean daily cost over the trailing window the day was compared with.</summary>
    public decimal MeanUsd { get; private set; }

    public decimal StdDevUsd { get; private set; }

    /// <summary>Days of history in the trailing window (7 to 14).</summary>
    public int HistoryDays { get; private set; }

    public DateTimeOffset DetectedAt { get; private set; }

    public Guid? AcknowledgedById { get; private set; }

    public string? AcknowledgedByName { get; private set; }

    public DateTimeOffset? AcknowledgedAt { get; private set; }

    public string? AcknowledgementNote { get; private set; }

    public bool IsAcknowledged => AcknowledgedAt is not null;

    private CostAnomaly()
    {
    }

    public static string TeamScope(Guid teamId) => $"team:{teamId}";

    public static string EnvironmentScope(Guid environmentId) => $"environment:{environmentId}";

    public static CostAnomaly Detect(Guid teamId, Guid? environmentId, DateOnly date, decimal amountUsd, decimal meanUsd, decimal stdDevUsd, int historyDays, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            Scope = environmentId is { } id ? EnvironmentScope(id) : TeamScope(teamId),
            TeamId = teamId,
            EnvironmentId = environmentId,
            Date = date,
            AmountUsd = decimal.Round(amountUsd, 2, MidpointRounding.AwayFromZero),
            MeanUsd = decimal.Round(meanUsd, 2, MidpointRounding.AwayFromZero),
            StdDevUsd = decimal.Round(stdDevUsd, 2, MidpointRounding.AwayFromZero),
            HistoryDays = historyDays,
            DetectedAt = now,
        };

    /// <summary>Acknowledges the anomaly; the note is required (at most 1000 characters) and an anomaly is acknowledged once.</summary>
    public void Acknowledge(Guid userId, string userName, string? note, DateTimeOffset now)
    {
        if (ValidateNote(note) is { } error)
        {
            throw new DomainValidationException("note", error);
        }

        if (IsAcknowledged)
        {
            throw new InvalidOperationException($"This anomaly was already acknowledged by {AcknowledgedByName} at {AcknowledgedAt:yyyy-MM-dd HH:mm} UTC.");
        }

        (AcknowledgedById, AcknowledgedByName, AcknowledgedAt, AcknowledgementNote) = (userId, userName, now, note!.Trim());
    }

    public static string? ValidateNote(string? note) =>
        string.IsNullOrWhiteSpace(note) ? "A note is required: say why the cost rose or what was done."
        : note.Trim().Length > MaxNoteLength ? $"The note must be at most {MaxNoteLength} characters."
        : null;
}
