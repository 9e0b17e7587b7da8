using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Analysis;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// GcTrace TRACE.nettrace: every garbage collection of the traced process (generation, kind, pause, bytes promoted,
// heap after) and a summary, from a trace taken with `dotnet-trace collect --clrevents gc`. The promoted bytes do
// not depend on how fast the machine is, so they compare builds on a noisy machine where CPU times cannot.
if (args.Length != 1 || !File.Exists(args[0]))
{
    Console.Error.WriteLine("usage: GcTrace TRACE.nettrace");
    return 2;
}

using var source = new EventPipeEventSource(args[0]);
source.NeedLoadedDotNetRuntimes();
try
{
    source.Process();
}
catch (Exception e) when (e is EndOfStreamException or IOException or FormatException)
{
    Console.Error.WriteLine($"{args[0]}: not a complete trace ({e.Message})");
    return 1;
}

var collections = source.Processes()
    .Select(process => process.LoadedDotNetRuntime())
    .Where(runtime => runtime is not null)
    .SelectMany(runtime => runtime!.GC.GCs)
    .OrderBy(gc => gc.StartRelativeMSec)
    .ToList();
if (collections.Count == 0)
{
    Console.Error.WriteLine("no collections in the trace (was it taken with --clrevents gc?)");
    return 1;
}

Console.WriteLine("      ms  gen  kind             pause ms  duration ms  promoted MiB  heap after MiB");
foreach (var gc in collections)
    Console.WriteLine($"{gc.StartRelativeMSec,8:F0}  {gc.Generation,3}  {gc.Type,-15}  {gc.PauseDurationMSec,8:F1}  {gc.DurationMSec,11:F1}  {gc.PromotedMB,12:F2}  {gc.HeapSizeAfterMB,14:F1}");

Console.WriteLine();
foreach (var generation in collections.GroupBy(gc => gc.Generation).OrderBy(g => g.Key))
{
    var blocking = generation.Where(gc => gc.Type != GCType.BackgroundGC).ToList();
    Console.WriteLine($"gen{generation.Key}: {generation.Count()} collections ({generation.Count() - blocking.Count} background), " +
                      $"pause {generation.Sum(gc => gc.PauseDurationMSec):F0} ms, promoted {blocking.Sum(gc => gc.PromotedMB):F1} MiB by the blocking ones");
}

Console.WriteLine($"all: {collections.Count} collections, pause {collections.Sum(gc => gc.PauseDurationMSec):F0} ms, " +
                  $"heap {collections[0].HeapSizeBeforeMB:F1} MiB before the first, at most {collections.Max(gc => gc.HeapSizeAfterMB):F1} MiB after one");
return 0;
