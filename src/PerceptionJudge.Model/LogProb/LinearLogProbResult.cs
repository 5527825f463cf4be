using PerceptionJudge.Kernels.LogProb;

namespace PerceptionJudge.Model.LogProb;

/// <summary>
/// What <see cref="LinearLogProb.Forward"/> returns: per-token entropy and chosen-token log-prob (flattened token
/// order of hidden's leading dims), plus the per-token softmax statistics (max, ln S, Σ p·z: 3 numbers per token)
/// that the backward reuses instead of a second statistics pass.
/// </summary>
public sealed class LinearLogProbResult
{
    internal LinearLogProbResult(LogSumExpState state, LinearLogProbOptions options, long hidden)
    {
        State = state;
        Options = options;
        Hidden = hidden;
        Entropy = new float[state.Tokens];
        LogProb = state.HasLabels ? new float[state.Tokens] : [];
        state.Finish(Entropy, LogProb);
    }

    /// <summary>Tokens N (the product of hidden's leading dims).</summary>
    public int Tokens => State.Tokens;

    /// <summary>Vocabulary size V (rows of the weight).</summary>
    public int Vocab => State.Vocab;

    /// <summary><c>entropy[t] = logsumexp(z_t) − Σ softmax(z_t)·z_t</c>.</summary>
    public float[] Entropy { get; }

    /// <summary><c>logProb[t] = z_t[labels[t]] − logsumexp(z_t)</c>; empty when no labels were given.</summary>
    public float[] LogProb { get; }

    /// <summary>The options the forward ran with (the backward uses the same blocks and temperature).</summary>
    public LinearLogProbOptions Options { get; }

    internal LogSumExpState State { get; }

    internal long Hidden { get; }

    /// <summary><c>logsumexp(z_t)</c> of token <paramref name="token"/>.</summary>
    public double LogSumExp(int token) => State.Row(token).LogSumExp(State.Temperature);
}
