namespace PerceptionJudge.Distributed.Tests;

[TestFixture]
public sealed class CommunicatorTests
{
    [TestCase("OMPI_COMM_WORLD_SIZE", "2", true)]
    [TestCase("PMIX_RANK", "0", true)]
    [TestCase("OMPI_COMM_WORLD_SIZE", "", false)]
    [TestCase("SLURM_PROCID", "0", false)]
    public void IsLaunchedByMpi_ReadsTheLaunchersVariables(string name, string value, bool expected)
    {
        var environment = new Dictionary<string, string> { [name] = value };
        Assert.That(Communicator.IsLaunchedByMpi(n => environment.GetValueOrDefault(n)), Is.EqualTo(expected));
    }

    [Test]
    public void Create_WithoutALauncher_IsTheSingleProcessCommunicator()
    {
        if (Communicator.IsLaunchedByMpi(Environment.GetEnvironmentVariable))
        {
            Assert.Ignore("this test process was itself started by mpirun");
        }
        using var communicator = Communicator.Create();
        Assert.That(communicator, Is.TypeOf<SingleProcessCommunicator>());
    }

    [Test]
    public void Run_WithOneRank_ReturnsTheBodysExitCode()
    {
        if (Communicator.IsLaunchedByMpi(Environment.GetEnvironmentVariable))
        {
            Assert.Ignore("this test process was itself started by mpirun");
        }
        Assert.That(Communicator.Run(c => c.Size + 41), Is.EqualTo(42));
    }

    [Test]
    public void Run_WithOneRank_LetsTheExceptionPropagate()
    {
        if (Communicator.IsLaunchedByMpi(Environment.GetEnvironmentVariable))
        {
            Assert.Ignore("this test process was itself started by mpirun");
        }
        Assert.That(() => Communicator.Run(_ => throw new InvalidOperationException("bad step")),
            Throws.InvalidOperationException.With.Message.EqualTo("bad step"));
    }
}
