using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Aws;
using Portal.Web.Features.Tokens;
using Portal.Web.Hosting;
using Portal.Web.Security;

namespace Portal.Web.Cli;

/// <summary>
/// Operator verbs on the web host, with the same configuration as the server:
/// <c>migrate</c>, <c>users create</c>, <c>tokens create</c>, <c>costs backfill</c>. Exit codes: 0 done, 1 failed, 2 usage.
/// </summary>
public static class PortalCommandLine
{
    public const string Usage = """
        Usage: Portal.Web <command> [options]

        Commands:
          migrate                                   Apply pending database migrations.
          users create --email E --role R [--team T] [--name N] [--password P]
                                                    Create a user (role: Developer, PlatformEngineer, Finance, Admin).
                                                    Without --password a random one is generated and printed.
          tokens create --user EMAIL --name NAME [--scopes read,write,approve] [--expires-days N]
                                                    Issue a personal access token; the token is the last line printed.
          costs backfill --days N                   Sandbox mode only: give every team N days (1-395) of environment history,
                                                    billed by the sandbox, then ingest it. Run it while the portal is stopped.
          healthcheck [URL]                         Exit 0 when URL (default http://127.0.0.1:8080/healthz) answers 200.
          sandbox [--urls URL]                      Run only the AWS sandbox (CloudFormation and Cost Explorer endpoints).

        Configuration comes from appsettings.json, appsettings.{Environment}.json and environment variables
        (e.g. Database__Provider=Postgres, ConnectionStrings__Portal=...).
        """;

    private static readonly string[] Verbs = ["migrate", "users", "tokens", "costs", "help", "--help", "-h"];

    public static bool IsCommand(string[] args) => args.Length > 0 && Verbs.Contains(args[0], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Verbs that need the portal listening (on a private loopback port) while they run: <c>costs backfill</c> reads the
    /// in-process sandbox's Cost Explorer over HTTP, exactly as the running portal does.
    /// </summary>
    public static bool NeedsServer(string[] args) => args is [var verb, ..] && string.Equals(verb, "costs", StringComparison.OrdinalIgnoreCase);

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            return (args[0].ToLowerInvariant(), args.ElementAtOrDefault(1)?.ToLowerInvariant()) switch
            {
                ("migrate", null) => await MigrateAsync(services, stdout, cancellationToken),
                ("users", "create") => await CreateUserAsync(services, ParseOptions(args[2..]), stdout, cancellationToken),
                ("tokens", "create") => await CreateTokenAsync(services, ParseOptions(args[2..]), stdout, cancellationToken),
                ("costs", "backfill") => await BackfillCostsAsync(services, ParseOptions(args[2..]), stdout, stderr, cancellationToken),
                ("help" or "--help" or "-h", _) => PrintUsage(stdout, null),
                _ => PrintUsage(stderr, $"Unknown command '{string.Join(' ', args.Take(2))}'."),
            };
        }
        catch (UsageException ex)
        {
            return PrintUsage(stderr, ex.Message);
        }
        catch (OptionsValidationException ex)
        {
            await stderr.WriteLineAsync($"Configuration error: {string.Join(" ", ex.Failures)}");
            return 1;
        }
    }

    /// <summary>Exit 0 when the URL answers 200 within 3 seconds; used as the container's health check.</summary>
    public static async Task<int> ProbeHealthAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            return (await http.GetAsync(new Uri(url))).IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            return 1;
        }
    }

    private static async Task<int> MigrateAsync(IServiceProvider services, TextWriter stdout, CancellationToken cancellationToken)
    {
        var applied = await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
        await using (var scope = services.CreateAsyncScope())
        {
            await DemoOrganisation.EnsureRolesAsync(scope.ServiceProvider, cancellationToken);
        }

        await stdout.WriteLineAsync(applied.Count == 0 ? "Database is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
        return 0;
    }

    private static async Task<int> BackfillCostsAsync(IServiceProvider services, Dictionary<string, string> options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        Allow(options, "days");
        var days = int.TryParse(Required(options, "days"), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= SandboxCostHistory.MaxDays
            ? parsed
            : throw new UsageException($"--days must be a whole number from 1 to {SandboxCostHistory.MaxDays}.");
        if (services.GetRequiredService<IOptions<AwsOptions>>().Value.Mode != AwsMode.Sandbox)
        {
            throw new UsageException("costs backfill only runs in sandbox mode (Aws:Mode=Sandbox): it makes the sandbox bill past days, and real AWS bills are real.");
        }

        try
        {
            var result = await services.GetRequiredService<SandboxCostHistory>().BackfillAsync(days, cancellationToken);
            await stdout.WriteLineAsync($"Sandbox history: {result.Created} environment(s) created, {result.Skipped} already there or not offered.");
            foreach (var run in result.IngestionRuns)
            {
                await stdout.WriteLineAsync(
                    $"Ingested account {run.AccountId} {run.From:yyyy-MM-dd}..{run.To:yyyy-MM-dd}: {run.Status}, {run.Calls} Cost Explorer call(s), {run.Inserted} fact(s) added, {run.Updated} restated.");
            }

            return result.IngestionRuns.All(r => r.Status == CostIngestionStatus.Succeeded) ? 0 : 1;
        }
        catch (InvalidOperationException ex)
        {
            await stderr.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    private static async Task<int> CreateUserAsync(IServiceProvider services, Dictionary<string, string> options, TextWriter stdout, CancellationToken cancellationToken)
    {
        Allow(options, "email", "role", "team", "name", "password");
        var email = Required(options, "email");
        var role = PortalRoles.Normalize(Required(options, "role"))
            ?? throw new UsageException($"--role must be one of {string.Join(", ", PortalRoles.All)}.");
        await EnsureMigratedAsync(services, cancellationToken);

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();

        Team? team = null;
        if (options.TryGetValue("team", out var slug))
        {
            team = await db.Teams.SingleOrDefaultAsync(t => t.Slug == slug, cancellationToken)
                ?? throw new UsageException($"Team '{slug}' does not exist. Teams: {string.Join(", ", await db.Teams.Select(t => t.Slug).ToListAsync(cancellationToken))}.");
        }

        if (await users.FindByEmailAsync(email) is not null)
        {
            throw new UsageException($"A user with email {email} already exists.");
        }

        var generated = !options.TryGetValue("password", out var password);
        password ??= TokenFormat.NewSecret()[TokenFormat.Prefix.Length..][..20];
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = options.GetValueOrDefault("name") ?? email, CreatedAt = now };
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            throw new UsageException(string.Join(" ", created.Errors.Select(e => e.Description)));
        }

        await users.AddToRoleAsync(user, role);
        if (team is not null)
        {
            db.TeamMemberships.Add(new TeamMembership { TeamId = team.Id, UserId = user.Id, JoinedAt = now });
        }

        db.Audit(now, AuditActor.System, "user.created", "user", email, new { roles = new[] { role }, teams = team is null ? [] : new[] { team.Slug }, via = "cli" });
        await db.SaveChangesAsync(cancellationToken);
        await stdout.WriteLineAsync($"Created {email} ({role}{(team is null ? "" : $", team {team.Slug}")}).");
        if (generated)
        {
            await stdout.WriteLineAsync($"Password: {password}");
        }

        return 0;
    }

    private static async Task<int> CreateTokenAsync(IServiceProvider services, Dictionary<string, string> options, TextWriter stdout, CancellationToken cancellationToken)
    {
        Allow(options, "user", "name", "scopes", "expires-days");
        var email = Required(options, "user");
        var name = Required(options, "name");
        var scopes = TokenFormat.ParseScopes(options.GetValueOrDefault("scopes") ?? "read", out var scopeError) ?? throw new UsageException(scopeError!);
        int? expiresDays = null;
        if (options.TryGetValue("expires-days", out var days))
        {
            expiresDays = int.TryParse(days, out var n) && n is > 0 and <= 3650
                ? n
                : throw new UsageException("--expires-days must be a whole number from 1 to 3650.");
        }

        await EnsureMigratedAsync(services, cancellationToken);
        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync(email) ?? throw new UsageException($"No user with email {email}.");
        var issued = await services.GetRequiredService<TokenService>()
            .IssueAsync(user.Id, new AuditActor(null, "cli"), name, scopes, expiresDays, cancellationToken);

        await stdout.WriteLineAsync($"Issued token '{issued.Name}' for {email} (scopes {string.Join(",", TokenFormat.ScopeNames(scopes))}, expires {(issued.ExpiresAt is { } e ? e.ToString("u") : "never")}).");
        await stdout.WriteLineAsync(issued.Secret);
        return 0;
    }

    private static async Task EnsureMigratedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
        {
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            await using var scope = services.CreateAsyncScope();
            await DemoOrganisation.EnsureRolesAsync(scope.ServiceProvider, cancellationToken);
        }
    }

    private static Dictionary<string, string> ParseOptions(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length < 3)
            {
                throw new UsageException($"Unexpected argument '{args[i]}'.");
            }

            var key = args[i][2..];
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"--{key} needs a value.");
            }

            if (!options.TryAdd(key, args[++i]))
            {
                throw new UsageException($"--{key} is given twice.");
            }
        }

        return options;
    }

    private static void Allow(Dictionary<string, string> options, params string[] allowed)
    {
        var unknown = options.Keys.FirstOrDefault(k => !allowed.Contains(k, StringComparer.OrdinalIgnoreCase));
        if (unknown is not null)
        {
            throw new UsageException($"Unknown option --{unknown}.");
        }
    }

    private static string Required(Dictionary<string, string> options, string key) =>
        options.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : throw new UsageException($"--{key} is required.");

    private static int PrintUsage(TextWriter writer, string? error)
    {
        if (error is not null)
        {
            writer.WriteLine($"error: {error}");
            writer.WriteLine();
        }

        writer.WriteLine(Usage);
        return error is null ? 0 : 2;
    }

    private sealed class UsageException(string message) : Exception(message);
}
