using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// Advantage estimators by verl name (<c>algorithm.adv_estimator</c>), dispatched to the backend chosen at start-up
/// (<see cref="KernelBackend.Current"/>). Each registered estimator reads <see cref="AdvantageInput"/> and writes
/// advantages and returns, both [rows][cols] row-major; the formulas are on <see cref="AdvantageReference"/>.
/// </summary>
public static class GroupAdvantage
{
    private static readonly Registry<AdvantageEstimator> s_registry = new Registry<AdvantageEstimator>("adv_estimator")
        .Add("grpo", (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
            k.Grpo(x, a, r, o))
        .Add("grpo_passk",
            (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
                k.GrpoPassK(x, a, r, o))
        .Add("rloo", (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
            k.Rloo(x, a, r))
        .Add("opo", (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
            k.Opo(x, a, r))
        .Add("gpg", (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
            k.Gpg(x, a, r))
        .Add("reinforce_plus_plus",
            (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
                k.ReinforcePlusPlus(x, a, r, o.Gamma))
        .Add("reinforce_plus_plus_baseline",
            (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
                k.ReinforcePlusPlusBaseline(x, a, r))
        .Add("remax", (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
            k.Remax(x, a, r));

    /// <summary>The estimators whose verl function takes no <c>index</c>: they treat each row on its own.</summary>
    private static readonly HashSet<string> s_ungrouped = new(StringComparer.Ordinal) { "reinforce_plus_plus", "remax" };

    private static readonly object s_lock = new();

    /// <summary>Registered estimator names (verl's), sorted.</summary>
    public static IReadOnlyList<string> Estimators => s_registry.Names;

    /// <summary>
    /// True when <paramref name="estimator"/> groups rows by <see cref="AdvantageInput.Index"/>, so a caller must
    /// supply one. False for <c>reinforce_plus_plus</c> and <c>remax</c>, whose verl v0.6.0 functions
    /// (<c>compute_reinforce_plus_plus_outcome_advantage</c>, <c>compute_remax_outcome_advantage</c>) take no index;
    /// true for every other name, custom estimators included.
    /// </summary>
    public static bool Groups(string estimator) => !s_ungrouped.Contains(estimator);

    /// <summary>
    /// Runs <paramref name="estimator"/> on the current backend. <paramref name="advantages"/> and
    /// <paramref name="returns"/> are [rows*cols] row-major. Throws <see cref="KernelInputException"/> (field + row)
    /// on bad shapes, NaN/Inf, or an unknown estimator (the message lists the valid names).
    /// </summary>
    public static void Compute(
        string estimator,
        in AdvantageInput input,
        Span<float> advantages,
        Span<float> returns,
        AdvantageOptions? options = null) =>
        Compute(AdvantageKernels.For(KernelBackend.Current), estimator, input, advantages, returns, options);

    /// <summary>Runs <paramref name="estimator"/> on the given <paramref name="kernels"/>.</summary>
    public static void Compute(
        IAdvantageKernels kernels,
        string estimator,
        in AdvantageInput input,
        Span<float> advantages,
        Span<float> returns,
        AdvantageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        using var span = KernelTrace.Kernel("advantage", estimator, 16L * input.Rows * input.Cols);
        s_registry.Get(estimator)(kernels, input, advantages, returns, options ?? AdvantageOptions.Default);
    }

    /// <summary>
    /// TRL <c>GRPOTrainer</c> advantages: per-sequence <paramref name="rewards"/> [rows] minus the group mean,
    /// scaled by <paramref name="scale"/>; see <see cref="AdvantageReference.Trl"/>.
    /// </summary>
    public static void Trl(
        ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages)
    {
        using var span = KernelTrace.Kernel("advantage.trl", 8L * rewards.Length);
        AdvantageKernels.For(KernelBackend.Current).Trl(rewards, index, scale, advantages);
    }

    /// <summary>
    /// Adds a custom estimator (verl <c>register_adv_est</c>). Registering a name twice throws
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public static void Register(string name, AdvantageEstimator estimator)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(estimator);
        lock (s_lock)
        {
            s_registry.Add(name, estimator);
        }
    }
}

/// <summary>The advantage kernels of each backend.</summary>
public static class AdvantageKernels
{
    private static readonly AdvantageReference s_reference = new();
    private static readonly AdvantageCpu s_cpu = new();

    private static readonly Lazy<AdvantageVulkan> s_vulkan = new(() => new AdvantageVulkan(VulkanRuntime.Shared));
    private static readonly Lazy<AdvantageIlgpu> s_ilgpu = new(() => new AdvantageIlgpu(IlgpuRuntime.Shared));

    /// <summary>The implementation for <paramref name="backend"/>; Vulkan and ILGPU throw (with the reason) when no
    /// device opened.</summary>
    public static IAdvantageKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"advantage kernels are not available on {backend}"),
    };
}
