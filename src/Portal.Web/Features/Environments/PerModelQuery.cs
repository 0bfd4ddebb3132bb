using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Portal.Web.Features.Environments;

/// <summary>
/// An EF Core compiled query per model. <c>EF.CompileAsyncQuery</c> binds to the first model it runs on and throws on any
/// other, and one process may hold several (a PostgreSQL and a SQLite portal side by side, as the tests run them): each model
/// gets its own compiled query, made on first use and dropped with the model.
/// </summary>
internal sealed class PerModelQuery<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _byModel = [];

    public TQuery For(DbContext db) => _byModel.TryGetValue(db.Model, out var query) ? query : _byModel.GetValue(db.Model, _ => compile());
}
