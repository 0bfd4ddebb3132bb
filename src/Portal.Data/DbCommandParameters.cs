using System.Data.Common;

namespace Portal.Data;

/// <summary>Named parameters on a raw <see cref="DbCommand"/> (hand-written SQL: migrations, bulk upserts, rollups), on either provider.</summary>
public static class DbCommandParameters
{
    public static void AddParameters(this DbCommand command, params (string Name, object Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }
}
