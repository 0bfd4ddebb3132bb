using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process: BenchmarkDotNet's generated host project cannot restore the ASP.NET Core framework packages from our feed.
// dotnet run -c Release --project tests/Portal.Benchmarks -- --filter '*'   (see README "Performance")
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);

/// <summary>Entry point.</summary>
public partial class Program;
