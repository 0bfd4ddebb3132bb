using System.Globalization;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// CPU time used by the processes a page load runs on (Linux, <c>/proc/[pid]/stat</c>): PostgreSQL's backends, Chromium's processes
/// and this process (the portal, the harness and Playwright's client; not Playwright's driver). On a 2-core machine they share the
/// cores, so a load's CPU by process says where its time can go (issue 18).
/// </summary>
internal static class ProcessCpu
{
    public const string Postgres = "postgres", Portal = "portal", Jit = "portal jit", GcPause = "portal gc pause";

    // Chromium's processes by their --type (none: the browser process); "portal jit" is part of "portal": the time .NET's JIT spent
    // compiling in this process (System.Runtime.JitInfo, every thread: tier-0 on first calls, tier-1 in the background);
    // "portal gc pause" is the time the garbage collector held this process's threads (GC.GetTotalPauseDuration), not CPU.
    public static readonly string[] Groups = [Postgres, "chromium renderer", "chromium gpu", "chromium browser", "chromium other", Portal, Jit, GcPause];

    // Parts of "portal" (or not CPU), left out of a load's sum.
    private static readonly string[] Parts = [Jit, GcPause];

    // The kernel's clock ticks per second (USER_HZ: 100 on Linux).
    private const double TicksPerMs = 0.1;

    /// <summary>
    /// Milliseconds of CPU (user and system) each group has used so far, and of the JIT and the GC's pauses in this process; off
    /// Linux the processes' groups stay at zero.
    /// </summary>
    public static Dictionary<string, double> Read()
    {
        var totals = Groups.ToDictionary(g => g, _ => 0.0, StringComparer.Ordinal);
        totals[Jit] = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        totals[GcPause] = GC.GetTotalPauseDuration().TotalMilliseconds;
        if (!Directory.Exists("/proc"))
        {
            return totals;
        }

        var self = Environment.ProcessId;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            // "pid (comm) state ppid … utime stime …": comm may hold spaces, so the fields are counted after its closing parenthesis.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                continue;
            }

            var comm = stat[(open + 1)..close];
            var group = pid == self ? Portal
                : comm.StartsWith("postgres", StringComparison.Ordinal) ? Postgres
                : comm.Contains("chrom", StringComparison.OrdinalIgnoreCase) ? ChromiumGroup(directory)
                : null;
            if (group is null)
            {
                continue;
            }

            var fields = stat[(close + 2)..].Split(' ');
            // After comm: state is field 3, utime 14 and stime 15 (1-based over the whole line).
            if (fields.Length > 12 && long.TryParse(fields[11], CultureInfo.InvariantCulture, out var user) && long.TryParse(fields[12], CultureInfo.InvariantCulture, out var system))
            {
                totals[group] += (user + system) / TicksPerMs;
            }
        }

        return totals;
    }

    private static string ChromiumGroup(string directory)
    {
        string commandLine;
        try
        {
            commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "chromium other";
        }

        return commandLine.Contains("--type=renderer", StringComparison.Ordinal) ? "chromium renderer"
            : commandLine.Contains("--type=gpu-process", StringComparison.Ordinal) ? "chromium gpu"
            : commandLine.Contains("--type=", StringComparison.Ordinal) ? "chromium other"
            : "chromium browser";
    }

    /// <summary>
    /// The CPU each group used between two <see cref="Read"/>s: a process started between them counts from zero; one that exited
    /// between them takes its time with it (its group's figure is then low, never below zero).
    /// </summary>
    public static Dictionary<string, double> Between(Dictionary<string, double> before, Dictionary<string, double> after) =>
        Groups.ToDictionary(g => g, g => Math.Max(0, after.GetValueOrDefault(g) - before.GetValueOrDefault(g)), StringComparer.Ordinal);

    /// <summary>A load's CPU over every process (the parts of "portal" left out).</summary>
    public static double Sum(Dictionary<string, double> load) => load.Where(g => !Parts.Contains(g.Key)).Sum(g => g.Value);

    /// <summary>"postgres 210 ms, chromium 180 ms, …": each group's median over the loads, and their sum's.</summary>
    public static string Describe(IReadOnlyList<Dictionary<string, double>> loads)
    {
        if (loads.Count == 0)
        {
            return "not measured";
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted[sorted.Count / 2];
        }

        var parts = Groups.Select(g => FormattableString.Invariant($"{g} {Median(loads.Select(l => l[g])):0} ms"));
        return FormattableString.Invariant($"{string.Join(", ", parts)}; all {Median(loads.Select(Sum)):0} ms");
    }
}
