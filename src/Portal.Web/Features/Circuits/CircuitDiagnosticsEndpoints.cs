using System.Runtime;
using Portal.Web.Security;

namespace Portal.Web.Features.Circuits;

/// <summary>
/// <c>GET /api/v1/admin/circuits</c> (platform engineers and admins): this node's circuits (<see cref="CircuitCounter"/>) and
/// its memory — the managed heap, the GC's last figures, the process's resident set. With <c>?collect=true</c> a blocking,
/// compacting full collection runs first so the heap figure is what is alive; that pause is for load harnesses, so it is
/// refused (400) unless <c>Circuits:AllowForcedCollection</c> is set.
/// </summary>
public static class CircuitDiagnosticsEndpoints
{
    public const string Path = "/admin/circuits";

    public static RouteGroupBuilder MapCircuitDiagnostics(this RouteGroupBuilder api)
    {
        api.MapGet(Path, Get).WithName("GetCircuitDiagnostics")
            .RequireAuthorization(PortalPolicies.PlatformEngineer, PortalPolicies.ApiRead)
            .Produces<CircuitDiagnostics>().ProducesValidationProblem();
        return api;
    }

    private static IResult Get(CircuitCounter counter, IConfiguration configuration, bool? collect)
    {
        if (collect == true)
        {
            if (!configuration.GetValue<bool>(CircuitRegistration.AllowForcedCollectionKey))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["collect"] = [$"A forced collection pauses the node; set {CircuitRegistration.AllowForcedCollectionKey}=true to allow it (load harnesses only)."],
                });
            }

            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        var info = GC.GetGCMemoryInfo(GCKind.Any);
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return TypedResults.Ok(new CircuitDiagnostics(
            counter.Open,
            counter.Connected,
            counter.Opened,
            counter.Closed,
            counter.ConnectionsDown,
            GC.GetTotalMemory(forceFullCollection: false),
            info.HeapSizeBytes,
            info.FragmentedBytes,
            info.TotalCommittedBytes,
            info.PromotedBytes,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            GCSettings.IsServerGC,
            process.WorkingSet64,
            process.PrivateMemorySize64,
            Environment.ProcessorCount));
    }
}

/// <summary>This node's circuits and memory at one moment (bytes).</summary>
public sealed record CircuitDiagnostics(
    long Open,
    long Connected,
    long Opened,
    long Closed,
    long ConnectionsDown,
    long ManagedHeapBytes,
    long GcHeapSizeBytes,
    long GcFragmentedBytes,
    long GcCommittedBytes,
    long GcPromotedBytes,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    bool ServerGc,
    long WorkingSetBytes,
    long PrivateBytes,
    int Processors);
