using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Web.Security;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// The yardstick of <see cref="ApiLoadHarness"/>: a bare ASP.NET Core app (slim builder, no authentication, no middleware)
/// answering the portal's API queries from the same database with hand-written SQL on one <see cref="NpgsqlDataSource"/>,
/// writing the same JSON shapes with <see cref="Utf8JsonWriter"/>. What the portal adds on top is the price of its features.
/// </summary>
internal sealed class BareApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NpgsqlDataSource _data;

    private BareApi(WebApplication app, NpgsqlDataSource data)
    {
        _app = app;
        _data = data;
    }

    public Uri BaseAddress =>
        new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<BareApi> StartAsync(string connectionString, byte[] templates)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var data = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true, MaxPoolSize = 64 }.ConnectionString).Build();
        var app = builder.Build();
        var bare = new BareApi(app, data);
        app.MapGet("/environments", bare.ListAsync);
        app.MapGet("/environments/{id:guid}", bare.GetAsync);
        app.MapGet("/me", bare.MeAsync);
        app.MapGet("/costs/summary", bare.SummaryAsync);
        app.MapGet("/templates", (HttpContext http) => http.Response.Body.WriteAsync(templates).AsTask());
        await app.StartAsync();
        return bare;
    }

    private async Task ListAsync(HttpContext http, string? team, int page, int pageSize)
    {
        await using var connection = await _data.OpenConnectionAsync(http.RequestAborted);
        http.Response.ContentType = "application/json; charset=utf-8";
        await WriteListAsync(connection, team, page, pageSize, http.Response.BodyWriter.AsStream(), http.RequestAborted);
    }

    /// <summary>The list's two statements (count, page) on <paramref name="connection"/>, written as JSON to <paramref name="body"/>.</summary>
    internal static async Task WriteListAsync(NpgsqlConnection connection, string? team, int page, int pageSize, Stream body, CancellationToken cancellationToken)
    {
        var where = team is null ? "" : """WHERE e."TeamId" = (SELECT "Id" FROM "Teams" WHERE "Slug" = $1)""";
        long total;
        await using (var count = new NpgsqlCommand($"""SELECT count(*) FROM "Environments" e {where}""", connection))
        {
            if (team is not null)
            {
                count.Parameters.Add(new() { Value = team });
            }

            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        await using var command = new NpgsqlCommand($"""
            SELECT e."Id", e."Name", (SELECT "Slug" FROM "Teams" t WHERE t."Id" = e."TeamId"), (SELECT "Email" FROM "Users" u WHERE u."Id" = e."OwnerId"),
                e."TemplateSlug", e."TemplateVersion", e."Tier", e."Region", e."Status", e."ExpiresAt", e."MonthlyEstimateUsd", e."CreatedAt"
            FROM "Environments" e {where} ORDER BY e."CreatedAt" DESC, e."Id" DESC LIMIT {pageSize} OFFSET {(page - 1) * pageSize}
            """, connection);
        if (team is not null)
        {
            command.Parameters.Add(new() { Value = team });
        }

        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        json.WriteStartArray("items");
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                json.WriteStartObject();
                json.WriteString("id", reader.GetGuid(0));
                json.WriteString("name", reader.GetString(1));
                json.WriteString("team", reader.IsDBNull(2) ? "" : reader.GetString(2));
                json.WriteString("owner", reader.IsDBNull(3) ? "" : reader.GetString(3));
                json.WriteString("template", reader.GetString(4));
                json.WriteString("templateVersion", reader.GetString(5));
                json.WriteString("tier", reader.GetString(6));
                json.WriteString("region", reader.GetString(7));
                json.WriteString("status", reader.GetString(8));
                if (reader.IsDBNull(9))
                {
                    json.WriteNull("expiresAt");
                }
                else
                {
                    json.WriteString("expiresAt", reader.GetFieldValue<DateTimeOffset>(9));
                }

                json.WriteNumber("monthlyEstimateUsd", reader.GetDecimal(10));
                json.WriteString("createdAt", reader.GetFieldValue<DateTimeOffset>(11));
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteNumber("total", total);
        json.WriteNumber("page", page);
        json.WriteNumber("pageSize", pageSize);
        json.WriteEndObject();
    }

    private async Task GetAsync(HttpContext http, Guid id)
    {
        await using var connection = await _data.OpenConnectionAsync(http.RequestAborted);
        http.Response.ContentType = "application/json; charset=utf-8";
        if (!await WriteDetailAsync(connection, id, http.Response.BodyWriter.AsStream(), http.RequestAborted))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }

    /// <summary>By-id's two statements (the row with team and owner, its events) on <paramref name="connection"/>, as JSON; false when there is no such row.</summary>
    internal static async Task<bool> WriteDetailAsync(NpgsqlConnection connection, Guid id, Stream body, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT e.*, (SELECT "Slug" FROM "Teams" t WHERE t."Id" = e."TeamId") AS "TeamSlug", (SELECT "Email" FROM "Users" u WHERE u."Id" = e."OwnerId") AS "OwnerEmail"
            FROM "Environments" e WHERE e."Id" = $1
            """, connection);
        command.Parameters.Add(new() { Value = id });
        await using var json = new Utf8JsonWriter(body);
        json.WriteStartObject();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return false;
            }

            for (var i = 0; i < reader.FieldCount; i++)
            {
                var name = JsonNamingPolicy.CamelCase.ConvertName(reader.GetName(i));
                if (reader.IsDBNull(i))
                {
                    json.WriteNull(name);
                }
                else if (name.EndsWith("Json", StringComparison.Ordinal))
                {
                    json.WritePropertyName(name[..^4]);
                    json.WriteRawValue(reader.GetString(i));
                }
                else
                {
                    json.WriteString(name, Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        await using var events = new NpgsqlCommand("""SELECT "Id", "EventId", "Timestamp", "LogicalResourceId", "PhysicalResourceId", "ResourceType", "ResourceStatus", "ResourceStatusReason" FROM "StackEvents" WHERE "EnvironmentId" = $1""", connection);
        events.Parameters.Add(new() { Value = id });
        json.WriteStartArray("resources");
        await using (var reader = await events.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                json.WriteStartObject();
                json.WriteString("logicalId", reader.GetString(3));
                json.WriteString("type", reader.GetString(5));
                json.WriteString("physicalId", reader.IsDBNull(4) ? null : reader.GetString(4));
                json.WriteString("status", reader.GetString(6));
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
        return true;
    }

    private async Task MeAsync(HttpContext http)
    {
        var secret = http.Request.Headers.Authorization.ToString()["Bearer ".Length..].Trim();
        await using var connection = await _data.OpenConnectionAsync(http.RequestAborted);
        await using var command = new NpgsqlCommand("""
            SELECT u."Email", u."DisplayName",
                (SELECT coalesce(json_agg(r."Name" ORDER BY r."Name"), '[]') FROM "UserRoles" ur JOIN "Roles" r ON r."Id" = ur."RoleId" WHERE ur."UserId" = u."Id")::text,
                (SELECT coalesce(json_agg(json_build_object('slug', t."Slug", 'name', t."Name") ORDER BY t."Slug"), '[]') FROM "TeamMemberships" m JOIN "Teams" t ON t."Id" = m."TeamId" WHERE m."UserId" = u."Id")::text
            FROM "PersonalAccessTokens" p JOIN "Users" u ON u."Id" = p."UserId" WHERE p."TokenHash" = $1 AND p."RevokedAt" IS NULL
            """, connection);
        command.Parameters.Add(new() { Value = TokenFormat.Hash(secret) });
        await using var reader = await command.ExecuteReaderAsync(http.RequestAborted);
        if (!await reader.ReadAsync(http.RequestAborted))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("email", reader.GetString(0));
        json.WriteString("displayName", reader.GetString(1));
        json.WritePropertyName("roles");
        json.WriteRawValue(reader.GetString(2));
        json.WritePropertyName("teams");
        json.WriteRawValue(reader.GetString(3));
        json.WriteEndObject();
    }

    private async Task SummaryAsync(HttpContext http)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using var connection = await _data.OpenConnectionAsync(http.RequestAborted);
        await using var command = new NpgsqlCommand("""
            SELECT coalesce(t."Slug", 'unallocated'), sum(r."UnblendedUsd") FROM "CostDailyRollups" r LEFT JOIN "Teams" t ON t."Id" = r."TeamId"
            WHERE r."Date" BETWEEN $1 AND $2 GROUP BY 1 ORDER BY 2 DESC
            """, connection);
        command.Parameters.Add(new() { Value = new DateOnly(today.Year, today.Month, 1) });
        command.Parameters.Add(new() { Value = today });
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.BodyWriter.AsStream());
        json.WriteStartObject();
        json.WriteString("currency", "USD");
        json.WriteStartArray("groups");
        var sum = 0m;
        await using (var reader = await command.ExecuteReaderAsync(http.RequestAborted))
        {
            while (await reader.ReadAsync(http.RequestAborted))
            {
                json.WriteStartObject();
                json.WriteString("key", reader.GetString(0));
                json.WriteNumber("amountUsd", Math.Round(reader.GetDecimal(1), 2));
                json.WriteEndObject();
                sum += reader.GetDecimal(1);
            }
        }

        json.WriteEndArray();
        json.WriteNumber("totalUsd", Math.Round(sum, 2));
        json.WriteEndObject();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _data.DisposeAsync();
    }
}
