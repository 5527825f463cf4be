namespace PerceptionJudge.Kernels.Advantage;

/// <summary>Which per-group formula <see cref="GroupJob"/> applies (see <see cref="AdvantageReference"/>).</summary>
internal enum RuleKind
{
    Grpo,
    PassK,
    Rloo,
    Opo,
    Gpg,

    /// <summary><c>s_i − mean_g</c>: the first half of reinforce_plus_plus_baseline.</summary>
    Centre,
}

/// <summary>A per-group formula plus its settings; <see cref="Alpha"/> is gpg's batch factor.</summary>
internal readonly record struct GroupRule(RuleKind Kind, AdvantageOptions Options)
{
    public double Alpha { get; init; } = 1;

    /// <summary>Mean and unbiased std over <paramref name="n"/> member rows, two passes in double, row order.</summary>
    public static unsafe (double Mean, double Std) MeanStd(float* s, int* rows, int n)
    {
        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            sum += s[rows[j]];
        }

        double mean = sum / n, m2 = 0;
        for (int j = 0; j < n; j++)
        {
            double d = s[rows[j]] - mean;
            m2 += d * d;
        }

        return (mean, Math.Sqrt(m2 / (n - 1)));
    }

    /// <summary>Mean over <paramref name="n"/> member rows; a group of one uses 0 (verl).</summary>
    public static unsafe double MeanOrZero(float* s, int* rows, int n)
    {
        if (n == 1)
        {
            return 0;
        }

        double sum = 0;
        for (int j = 0; j < n; j++)
        {
            sum += s[rows[j]];
        }

        return sum / n;
    }
}

/// <summary>
/// One chunk of groups: statistics of each group from its CSR members (row order), then every member row written as
/// <c>a_i · mask[i,:]</c> to advantages and returns. Groups are independent, so chunks may run in any order.
/// </summary>
internal readonly unsafe struct GroupJob
{
    private readonly float* _scores;
    private readonly float* _lengths;
    private readonly float* _mask;
    private readonly float* _advantages;
    private readonly float* _returns;
    private readonly int* _offsets;
    private readonly int* _members;
    private readonly int _cols;
    private readonly GroupRule _rule;

    public GroupJob(
        float* scores, float* lengths, float* mask, float* advantages, float* returns, int* offsets, int* members,
        int cols, GroupRule rule)
    {
        _scores = scores;
        _lengths = lengths;
        _mask = mask;
        _advantages = advantages;
        _returns = returns;
        _offsets = offsets;
        _members = members;
        _cols = cols;
        _rule = rule;
    }

    public void Run(int chunk, int g0, int g1)
    {
        for (int g = g0; g < g1; g++)
        {
            int* rows = _members + _offsets[g];
            int n = _offsets[g + 1] - _offsets[g];
            switch (_rule.Kind)
            {
                case RuleKind.Grpo:
                    Grpo(rows, n);
                    break;
                case RuleKind.PassK:
                    PassK(rows, n);
                    break;
                case RuleKind.Rloo:
                    Rloo(rows, n);
                    break;
                case RuleKind.Opo:
                    Opo(rows, n);
                    break;
                default:
                    Shift(rows, n, _rule.Kind == RuleKind.Gpg ? _rule.Alpha : 1);
                    break;
            }
        }
    }

    /// <summary>
    /// GRPO when group g is rows <c>g·size .. g·size+size−1</c> (verl's repeat-interleaved rollouts): statistics of
    /// four groups per Vector256&lt;double&gt;, each lane summing its group in row order (the scalar path's bits),
    /// then each group's rows written as one SIMD run <c>(s − mean)·scale·mask</c> in float.
    /// </summary>
    public void GrpoContiguous(int g0, int g1, int size)
    {
        int g = g0;
        if (Vector256.IsHardwareAccelerated && size >= 2)
        {
            var n = Vector256.Create((double)size);
            var bessel = Vector256.Create((double)(size - 1));
            var eps = Vector256.Create((double)_rule.Options.Epsilon);
            for (; g + 4 <= g1; g += 4)
            {
                float* b = _scores + (long)g * size;
                var sum = Vector256<double>.Zero;
                for (int j = 0; j < size; j++)
                {
                    sum += Vector256.Create(b[j], b[size + j], b[2 * size + j], (double)b[3 * size + j]);
                }

                var mean = sum / n;
                var m2 = Vector256<double>.Zero;
                for (int j = 0; j < size; j++)
                {
                    var d = Vector256.Create(b[j], b[size + j], b[2 * size + j], (double)b[3 * size + j]) - mean;
                    m2 += d * d;
                }

                var scale = _rule.Options.NormAdvByStd
                    ? Vector256<double>.One / (Vector256.Sqrt(m2 / bessel) + eps)
                    : Vector256<double>.One;
                for (int l = 0; l < 4; l++)
                {
                    WriteRun((long)(g + l) * size, size, mean.GetElement(l), scale.GetElement(l));
                }
            }
        }

        for (; g < g1; g++)
        {
            int* rows = _members + _offsets[g];
            (double mean, double std) = size == 1 ? (0.0, 1.0) : GroupRule.MeanStd(_scores, rows, size);
            WriteRun((long)g * size, size, mean, _rule.Options.NormAdvByStd ? 1 / (std + _rule.Options.Epsilon) : 1);
        }
    }

    /// <summary>Rows <c>first .. first+n−1</c> get <c>(s − mean) · scale</c> broadcast over their mask.</summary>
    private void WriteRun(long first, int n, double mean, double scale)
    {
        // Token-level rewards only: outcome rewards (cols = 1) in this layout take CpuOutcome's fused pass.
        for (int j = 0; j < n; j++)
        {
            Write((int)first + j, (float)((_scores[first + j] - mean) * scale));
        }
    }

    /// <summary><c>a_i = (s_i − mean) · 1/(std + ε)</c>: one division per group (the reference, per row).</summary>
    private void Grpo(int* rows, int n)
    {
        (double mean, double std) = n == 1 ? (0.0, 1.0) : GroupRule.MeanStd(_scores, rows, n);
        WriteCentred(rows, n, mean, _rule.Options.NormAdvByStd ? 1 / (std + _rule.Options.Epsilon) : 1);
    }

    private void WriteCentred(int* rows, int n, double mean, double scale)
    {
        for (int j = 0; j < n; j++)
        {
            Write(rows[j], (float)((_scores[rows[j]] - mean) * scale));
        }
    }

    private void PassK(int* rows, int n)
    {
        int best = rows[0];
        for (int j = 0; j < n; j++)
        {
            best = _scores[rows[j]] > _scores[best] ? rows[j] : best;
        }

        float second = float.NegativeInfinity;
        for (int j = 0; j < n; j++)
        {
            second = rows[j] != best && _scores[rows[j]] > second ? _scores[rows[j]] : second;
        }

        double gap = _scores[best] - second;
        double value = _rule.Options.NormAdvByStd
            ? gap / (GroupRule.MeanStd(_scores, rows, n).Std + _rule.Options.Epsilon)
            : gap;
        for (int j = 0; j < n; j++)
        {
            Write(rows[j], rows[j] == best ? (float)value : 0f);
        }
    }

    private void Rloo(int* rows, int n)
    {
        double mean = GroupRule.MeanOrZero(_scores, rows, n);
        for (int j = 0; j < n; j++)
        {
            float s = _scores[rows[j]];
            Write(rows[j], n == 1 ? s : (float)((s - mean) * n / (n - 1)));
        }
    }

    private void Opo(int* rows, int n)
    {
        double weighted = 0, total = 0;
        for (int j = 0; j < n; j++)
        {
            double len = _lengths[rows[j]];
            weighted += len * _scores[rows[j]];
            total += len;
        }

        double baseline = n == 1 ? 0 : weighted / total;
        for (int j = 0; j < n; j++)
        {
            Write(rows[j], (float)(_scores[rows[j]] - baseline));
        }
    }

    /// <summary><c>a_i = α (s_i − mean_g)</c>: gpg (batch α) and rf++-baseline's centring (α = 1).</summary>
    private void Shift(int* rows, int n, double alpha)
    {
        double mean = GroupRule.MeanOrZero(_scores, rows, n);
        for (int j = 0; j < n; j++)
        {
            Write(rows[j], (float)(alpha * (_scores[rows[j]] - mean)));
        }
    }

    private void Write(int row, float a)
    {
        if (_cols == 1)
        {
            float v = a * _mask[row];
            _advantages[row] = v;
            _returns[row] = v;
            return;
        }

        long o = (long)row * _cols;
        CpuChunks.ScaleRow(_mask + o, a, _advantages + o, _returns + o, _cols);
    }
}
