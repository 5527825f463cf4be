namespace PerceptionJudge.Fuzz.Tests;

/// <summary>Removes the file-based targets' scratch folders once every fuzz test of this process has run.</summary>
[SetUpFixture]
public sealed class ScratchCleanup
{
    [OneTimeTearDown]
    public void RemoveScratch()
    {
        if (Directory.Exists(Scratch.ProcessRoot))
        {
            Directory.Delete(Scratch.ProcessRoot, recursive: true);
        }
    }
}
