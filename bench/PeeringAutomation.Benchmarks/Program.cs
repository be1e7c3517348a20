using System.Runtime.InteropServices;
using PeeringAutomation.Benchmarks;

// dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- all | <name> [args...]
// Prints one table: each figure, the goal beside it, and the machine it ran on.
var name = args.Length > 0 ? args[0] : "all";
var rest = args.Skip(1).ToList();
var chosen = name == "all" ? Benchmarks.All : Benchmarks.All.Where(b => b.Name == name).ToList();
if (chosen.Count == 0)
{
    Console.Error.WriteLine($"unknown benchmark '{name}'; one of: all, {string.Join(", ", Benchmarks.All.Select(b => b.Name))}");
    return 2;
}

var rows = new List<BenchmarkRow>();
foreach (var benchmark in chosen)
{
    Console.Error.WriteLine($"== {benchmark.Name}");
    try
    {
        rows.AddRange(await benchmark.RunAsync(rest, Console.Error));
    }
    catch (Exception e)
    {
        // One benchmark that cannot finish is a row of its own, not the end of the table.
        Console.Error.WriteLine(e);
        rows.Add(new BenchmarkRow(benchmark.Name, $"did not finish: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}", "—", false, "see the log above the table"));
    }
}

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine();
Console.WriteLine("| what | measured | goal | met | how |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var row in rows)
{
    var met = row.MeetsGoal switch { true => "yes", false => "**no**", null => "" };
    Console.WriteLine($"| {row.What} | {row.Measured} | {row.Goal} | {met} | {row.How} |");
}
return rows.Any(r => r.MeetsGoal == false) ? 1 : 0;
