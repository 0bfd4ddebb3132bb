using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Components;
using Portal.Web.Components.Shared;

namespace Portal.Web.Features.Environments;

/// <summary>
/// One row of the environments table as a single markup frame: the same cells, classes and test ids the page rendered element by
/// element (~60 render-tree frames a row, in two buffers per circuit: the current and the previous tree), now one string a row.
/// The rows carry links only, no event handlers, so nothing is lost; a changed row is a changed string and the diff swaps it.
/// Every value is HTML-encoded (README, Performance, Circuits).
/// </summary>
internal static class EnvironmentRowMarkup
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Default;

    public static MarkupString Render(EnvironmentSummary e, UserTimeZone zone)
    {
        var name = Html.Encode(e.Name);
        var status = e.Status.ToString();
        var builder = new StringBuilder(1024)
            .Append("<tr class=\"mud-table-row\">")
            .Append("<td class=\"mud-table-cell\" data-label=\"Name\"><a href=\"environments/").Append(e.Id.ToString("D"))
            .Append("\" class=\"mud-link mud-primary-text mud-link-underline-hover\" data-testid=\"env-link-").Append(name).Append("\">").Append(name).Append("</a></td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Team\">").Append(Html.Encode(e.Team)).Append("</td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Tier\">").Append(Html.Encode(e.Tier)).Append("</td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Status\"><span class=\"mud-chip mud-chip-filled mud-chip-size-small mud-chip-color-")
            .Append(EnvironmentStatusBadge.ColorOf(e.Status)).Append(" portal-status-chip\" data-testid=\"env-status-").Append(name)
            .Append("\" aria-label=\"Status: ").Append(status).Append("\"><span class=\"mud-chip-content\">").Append(status).Append("</span></span></td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Template\">").Append(Html.Encode(e.Template))
            .Append(" <span class=\"portal-muted\">").Append(Html.Encode(e.TemplateVersion)).Append("</span></td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Owner\">").Append(Html.Encode(e.Owner)).Append("</td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Estimate\" style=\"text-align: right; white-space: nowrap\">").Append(Html.Encode(Format.Money(e.MonthlyEstimateUsd))).Append("</td>")
            .Append("<td class=\"mud-table-cell\" data-label=\"Expires\" style=\"white-space: nowrap\">")
            .Append(Html.Encode(e.ExpiresAt is { } at ? zone.Time(at) : "never")).Append("</td>")
            .Append("</tr>");
        return new MarkupString(builder.ToString());
    }
}
