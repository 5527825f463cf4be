namespace PerceptionJudge.Model.Tests.Support;

/// <summary>Resident memory of this process, for the long no-growth tests.</summary>
public static class ProcessMemory
{
    /// <summary>VmRSS from /proc/self/status in KiB, after a full collection (managed garbage is not a leak).</summary>
    public static long ResidentKiB()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]);
    }
}
