using PerceptionJudge.Distributed;
using PerceptionJudge.Distributed.MpiHost;

// mpirun -np K dotnet PerceptionJudge.Distributed.MpiHost.dll <scenario> [arguments...]
// Each scenario asserts on every rank (a failed check throws, Communicator.Run aborts the job with that rank named);
// rank 0 prints "ok <scenario> K=<size>" when every rank passed the final barrier.
if (args.Length == 0 || !Scenarios.All.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine($"usage: PerceptionJudge.Distributed.MpiHost <{string.Join('|', Scenarios.All.Keys)}>");
    return 2;
}
Scenarios.Arguments = args[1..];
return Communicator.Run(communicator =>
{
    scenario(communicator);
    communicator.Barrier();
    if (communicator.Rank == 0)
    {
        Console.WriteLine($"ok {args[0]} K={communicator.Size} backend={communicator.Backend}");
    }
    return 0;
});
