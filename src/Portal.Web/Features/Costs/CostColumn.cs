using Microsoft.AspNetCore.Components;

namespace Portal.Web.Features.Costs;

/// <summary>
/// A column of a <see cref="CostTable{T}"/>: its title, its cell (rendered into the table's own tree: no component per cell),
/// the value it sorts by (none: not sortable) and whether it is a right-aligned amount.
/// </summary>
public sealed record CostColumn<T>(string Title, RenderFragment<T> Cell, Func<T, object?>? SortBy = null, bool Right = false, bool Wrap = false);
