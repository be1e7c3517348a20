using System.IO.Compression;
using System.Reflection.PortableExecutable;

namespace PeeringAutomation.Benchmarks;

/// <summary>
/// The functions' Lambda package: <c>dotnet publish</c> for <c>linux-arm64</c> (the template's architecture),
/// framework-dependent as the managed <c>dotnet10</c> runtime wants, with ReadyToRun as the project sets it
/// (everything precompiled but AWSSDK.EC2), zipped; beside it the IL-only package for comparison.
///
///   dotnet run -c Release --project bench/PeeringAutomation.Benchmarks -- package
/// </summary>
public sealed class PackageBenchmark : IBenchmark
{
    private const string Project = "src/PeeringAutomation.Functions/PeeringAutomation.Functions.csproj";
    private const long Goal = 5 * 1024 * 1024;

    public string Name => "package";

    public async Task<IReadOnlyList<BenchmarkRow>> RunAsync(IReadOnlyList<string> args, TextWriter log)
    {
        var r2r = await Publish.RunAsync(Project, "linux-arm64", readyToRun: true, log);
        var il = await Publish.RunAsync(Project, "linux-arm64", readyToRun: false, log);
        var (r2rZip, precompiled, assemblies) = (Zip(r2r), Precompiled(r2r), Directory.GetFiles(r2r, "*.dll").Length);
        var ilZip = Zip(il);
        log.WriteLine($"ReadyToRun: {string.Join(", ", Directory.GetFiles(r2r, "*.dll").Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length / 1024} KB{(IsReadyToRun(f) ? " (R2R)" : "")}"))}");
        return
        [
            new BenchmarkRow("functions package, linux-arm64, ReadyToRun (zipped)",
                $"{Mb(r2rZip)} ({precompiled} of {assemblies} assemblies precompiled)", "< 5 MB", r2rZip < Goal,
                "dotnet publish -r linux-arm64 (crossgen2 for arm64 on this x64 host), zip of the publish folder"),
            new BenchmarkRow("functions package, linux-arm64, IL only (zipped)", Mb(ilZip), "—", null, "-p:PublishReadyToRun=false, for comparison"),
        ];
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MB";

    private static long Zip(string folder)
    {
        var zip = folder.TrimEnd('/') + ".zip";
        File.Delete(zip);
        ZipFile.CreateFromDirectory(folder, zip, CompressionLevel.Optimal, includeBaseDirectory: false);
        return new FileInfo(zip).Length;
    }

    private static int Precompiled(string folder) => Directory.GetFiles(folder, "*.dll").Count(IsReadyToRun);

    /// <summary>A ReadyToRun image carries a managed native header in its CLI header.</summary>
    internal static bool IsReadyToRun(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new PEReader(stream);
        return reader.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }
}
