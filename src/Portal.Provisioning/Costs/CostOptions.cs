using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Costs;

/// <summary>Cost ingestion and the cost pages (configuration section <c>Costs</c>).</summary>
public sealed class CostOptions
{
    public const string SectionName = "Costs";

    /// <summary>Days a first run reads back (default 395, about 13 months: as far as Cost Explorer's daily data goes).</summary>
    [Range(1, 425)]
    public int BackfillDays { get; set; } = 395;

    /// <summary>Days every run re-reads, because Cost Explorer revises recent days (default 3).</summary>
    [Range(1, 31)]
    public int RestateDays { get; set; } = 3;

    /// <summary>Days per Cost Explorer query: bounds the rows held in memory while a window is upserted.</summary>
    [Range(1, 62)]
    public int WindowDays { get; set; } = 7;

    /// <summary>
    /// How many of the dashboards page's ten view statements its read runs at once (default 10: every view at once; lower leaves
    /// a shared database's cores to other work). Checked when the portal starts.
    /// </summary>
    [Range(1, 10)]
    public int PageReadConcurrency { get; set; } = 10;

    /// <summary>Check (and activate where permitted) Portal's cost allocation tags when the portal starts (default on).</summary>
    public bool CheckAllocationTagsOnStartup { get; set; } = true;
}
