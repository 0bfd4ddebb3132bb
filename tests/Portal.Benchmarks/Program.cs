using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Portal.Benchmarks -- --filter '*'   (see README "Performance")
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>Entry point.</summary>
public partial class Program;
