namespace PerceptionJudge.Distributed;

/// <summary>The element-wise reduction of <see cref="ICommunicator.AllReduce"/> (MPI_SUM, MPI_MAX, MPI_MIN).</summary>
public enum ReduceOp
{
    /// <summary>x₀ + x₁ + … + x_{K−1}.</summary>
    Sum,

    /// <summary>max over ranks.</summary>
    Max,

    /// <summary>min over ranks.</summary>
    Min,
}
