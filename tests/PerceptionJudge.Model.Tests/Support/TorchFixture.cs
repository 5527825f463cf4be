using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Support;

/// <summary>The Model tests' fixture: <see cref="LibTorchFixture"/> plus reading a tensor's values.</summary>
public abstract class TorchFixture : LibTorchFixture
{
    /// <summary>The tensor's values as float32, detached and contiguous.</summary>
    protected static float[] Values(Tensor t) => t.Detach().To(DType.Float32).Contiguous().ToArray<float>();
}
