using System.Collections.Frozen;

namespace Portal.Provisioning.Pricing;

/// <summary>The monthly usage assumptions an estimate accepts (see docs/template-manifest.md); any other key is an error.</summary>
public static class UsageKeys
{
    public const string DataTransferOutGb = "dataTransferOutGb";
    public const string S3StorageGb = "s3StorageGb";
    public const string S3Requests1k = "s3Requests1k";
    public const string LogsIngestGb = "logsIngestGb";
    public const string LogsStorageGb = "logsStorageGb";
    public const string NatProcessedGb = "natProcessedGb";
    public const string AlbLcu = "albLcu";
    public const string CloudFrontTransferGb = "cloudFrontTransferGb";
    public const string CloudFrontRequests10k = "cloudFrontRequests10k";
    public const string EcrStorageGb = "ecrStorageGb";
    public const string AuroraStorageGb = "auroraStorageGb";
    public const string AuroraIoRequestsMillions = "auroraIoRequestsMillions";
    public const string SnapshotStorageGb = "snapshotStorageGb";

    public static FrozenSet<string> All { get; } = FrozenSet.Create(
        StringComparer.Ordinal,
        DataTransferOutGb, S3StorageGb, S3Requests1k, LogsIngestGb, LogsStorageGb, NatProcessedGb, AlbLcu,
        CloudFrontTransferGb, CloudFrontRequests10k, EcrStorageGb, AuroraStorageGb, AuroraIoRequestsMillions,
        SnapshotStorageGb);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first unknown or negative key.</summary>
    public static void Validate(IReadOnlyDictionary<string, decimal> usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        foreach (var (key, value) in usage)
        {
            if (!All.Contains(key))
            {
                throw new ArgumentException(
                    $"Unknown usage key '{key}'. Known keys: {string.Join(", ", All.Order(StringComparer.Ordinal))}.", nameof(usage));
            }

            if (value < 0)
            {
                throw new ArgumentException($"Usage '{key}' is negative ({value}).", nameof(usage));
            }
        }
    }
}
