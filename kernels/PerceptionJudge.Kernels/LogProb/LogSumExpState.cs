using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Per-token <see cref="OnlineLogSumExp"/> of a <c>[tokens][vocab]</c> logits matrix that is never stored whole: the
/// <see cref="IChunkedLogProbKernels"/> fold one <c>[token chunk][vocab chunk]</c> block at a time into it, in any
/// order, and it also keeps the chosen logit <c>x[t][labels[t]]</c> when that column passes by. After every column of
/// every row was seen once, <see cref="Finish"/> gives entropy and log-prob, and the backward reads the final
/// statistics from here (no second statistics pass). Holds 4 numbers per token; allocate once, <see cref="Reset"/>
/// to reuse.
/// </summary>
public sealed class LogSumExpState
{
    private readonly OnlineLogSumExp[] _rows;
    private readonly float[] _chosen;
    private readonly int[] _columnsSeen;
    private readonly int[] _labels;

    /// <summary>
    /// A state for <paramref name="tokens"/> rows of <paramref name="vocab"/> logits at <paramref name="temperature"/>.
    /// <paramref name="labels"/> (one per token, in [0, vocab)) may be empty when no log-prob is wanted.
    /// </summary>
    public LogSumExpState(int tokens, int vocab, float temperature, ReadOnlySpan<int> labels)
    {
        if (tokens < 0)
        {
            throw new KernelInputException("tokens", $"must be non-negative, got {tokens}");
        }

        Guard.Positive(vocab, "vocab");
        if (!float.IsFinite(temperature) || temperature <= 0f)
        {
            throw new KernelInputException("temperature", $"must be positive and finite, got {temperature}");
        }

        if (labels.Length != 0)
        {
            Guard.Length(labels, tokens, "labels");
            for (int t = 0; t < labels.Length; t++)
            {
                if ((uint)labels[t] >= (uint)vocab)
                {
                    throw new KernelInputException("labels", $"label {labels[t]} outside [0, {vocab})", t);
                }
            }
        }

        Tokens = tokens;
        Vocab = vocab;
        Temperature = temperature;
        _labels = labels.ToArray();
        _rows = new OnlineLogSumExp[tokens];
        _chosen = new float[tokens];
        _columnsSeen = new int[tokens];
        Reset();
    }

    /// <summary>Rows (tokens).</summary>
    public int Tokens { get; }

    /// <summary>Columns (vocabulary size).</summary>
    public int Vocab { get; }

    /// <summary>T: every statistic is of <c>z = x / T</c>.</summary>
    public float Temperature { get; }

    /// <summary>True when labels were given (log-probs can be computed).</summary>
    public bool HasLabels => _labels.Length != 0;

    /// <summary>True once every column of every row has been folded in exactly once.</summary>
    public bool IsComplete
    {
        get
        {
            foreach (int seen in _columnsSeen)
            {
                if (seen != Vocab)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>The label of token <paramref name="token"/>, or −1 without labels.</summary>
    public int Label(int token) => HasLabels ? _labels[token] : -1;

    /// <summary>The running statistics of token <paramref name="token"/>.</summary>
    public OnlineLogSumExp Row(int token) => _rows[token];

    /// <summary>Forgets every row (same shape, labels and temperature).</summary>
    public void Reset()
    {
        Array.Fill(_rows, OnlineLogSumExp.Empty);
        Array.Fill(_chosen, float.NaN);
        Array.Clear(_columnsSeen);
    }

    /// <summary>
    /// <c>entropy[t] = ln S − W/S</c> and <c>logProb[t] = (x_y − m)/T − ln S</c> for every token. Either output may be
    /// empty (not computed); log-probs need labels. Throws <see cref="InvalidOperationException"/> while columns are
    /// missing (a bug in the caller's chunk loop).
    /// </summary>
    public void Finish(Span<float> entropy, Span<float> logProb)
    {
        EnsureComplete();
        if (entropy.Length != 0)
        {
            Guard.Length(entropy, Tokens, "entropy");
        }

        if (logProb.Length != 0)
        {
            Guard.Length(logProb, Tokens, "log_prob");
            if (!HasLabels)
            {
                throw new KernelInputException("labels", "log-probs need labels; the state was created without them");
            }
        }

        for (int t = 0; t < Tokens; t++)
        {
            var row = _rows[t];
            if (entropy.Length != 0)
            {
                entropy[t] = (float)row.Entropy;
            }

            if (logProb.Length != 0)
            {
                logProb[t] = (float)((_chosen[t] - (double)row.Max) / Temperature - row.LogSum);
            }
        }
    }

    /// <summary>Throws unless <see cref="IsComplete"/>, naming the first short row.</summary>
    public void EnsureComplete()
    {
        for (int t = 0; t < Tokens; t++)
        {
            if (_columnsSeen[t] != Vocab)
            {
                throw new InvalidOperationException(
                    $"LogSumExpState: token {t} has seen {_columnsSeen[t]} of {Vocab} vocabulary columns; fold every " +
                    "vocabulary chunk of every token chunk exactly once before finishing or running the backward");
            }
        }
    }

    /// <summary>Folds one piece of row <paramref name="token"/> (columns [first, first + columns)).</summary>
    internal void Fold(int token, OnlineLogSumExp piece, int firstColumn, int columns, ReadOnlySpan<float> rowPiece)
    {
        _rows[token] = _rows[token].Merge(piece, Temperature);
        int seen = _columnsSeen[token] += columns;
        if (seen > Vocab)
        {
            throw new InvalidOperationException(
                $"LogSumExpState: token {token} has seen {seen} > {Vocab} columns; " +
                "a vocabulary chunk was folded twice");
        }

        int local = HasLabels ? _labels[token] - firstColumn : -1;
        if ((uint)local < (uint)columns)
        {
            _chosen[token] = rowPiece[local];
        }
    }

    /// <summary>Checks a block <c>[tokens][columns]</c> at (firstToken, firstColumn) against this state.</summary>
    internal void CheckBlock(int logitsLength, int firstToken, int tokens, int firstColumn, int columns)
    {
        if (firstToken < 0 || tokens < 0 || (long)firstToken + tokens > Tokens)
        {
            throw new KernelInputException(
                "tokens", $"block rows [{firstToken}, {(long)firstToken + tokens}) outside [0, {Tokens})");
        }

        if (firstColumn < 0 || columns <= 0 || (long)firstColumn + columns > Vocab)
        {
            throw new KernelInputException(
                "vocab", $"block columns [{firstColumn}, {(long)firstColumn + columns}) outside [0, {Vocab})");
        }

        if ((long)tokens * columns != logitsLength)
        {
            throw new KernelInputException(
                "logits",
                $"expected a block of tokens×columns = {tokens}×{columns} = {(long)tokens * columns} elements, " +
                $"got {logitsLength}");
        }
    }

    /// <summary>Before a fold: throws (here, not inside a parallel loop) when a block row would pass Vocab.</summary>
    internal void CheckRoomFor(int firstToken, int tokens, int columns)
    {
        for (int t = firstToken; t < firstToken + tokens; t++)
        {
            if (_columnsSeen[t] + columns > Vocab)
            {
                throw new InvalidOperationException(
                    $"LogSumExpState: token {t} has seen {_columnsSeen[t]} of {Vocab} columns and cannot take " +
                    $"{columns} more; a vocabulary chunk was folded twice");
            }
        }
    }
}
