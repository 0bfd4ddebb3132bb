namespace Portal.Web.Features.Costs;

/// <summary>One colour per team everywhere on the cost pages (by the team's place among all teams), grey for unallocated.</summary>
public static class CostColors
{
    public const string Unallocated = "#9e9e9e";

    /// <summary>Teams summed together on a chart with too many to name.</summary>
    public const string OtherTeams = "#607d8b";

    private static readonly string[] Palette =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39",
    ];

    private static readonly string[] Services =
    [
        "#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00", "#b82e2e", "#316395", "#994499", "#22aa99",
    ];

    public static string ForTeam(string team, IReadOnlyList<string> allTeams)
    {
        ArgumentNullException.ThrowIfNull(allTeams);
        if (team == CostQueries.Unallocated)
        {
            return Unallocated;
        }

        var index = allTeams.ToList().IndexOf(team);
        return index < 0 ? Unallocated : Palette[index % Palette.Length];
    }

    public static string ForTier(string tier) => tier switch
    {
        "dev" => "#43a047",
        "staging" => "#fb8c00",
        "prod" => "#e53935",
        _ => Unallocated,
    };

    /// <summary>The n-th colour of a categorical series (services, kinds of waste).</summary>
    public static string Nth(int index) => Services[index % Services.Length];
}
