using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Rewards;

/// <summary>
/// A rule-based Perception-R1-style reward (Xiao et al. 2025, "Advancing Multimodal Reasoning Capabilities of MLLMs
/// via Visual Perception Reward", arXiv 2506.07218: accuracy + format + a visual perception term, with a repetition
/// penalty). Their perception term asks an LLM judge whether the reasoning states the key visual annotations; here
/// the key facts are known exactly (the response right for the shown image), so the term is string containment:
/// <code>
/// r = accuracy + w_f · format + w_p · perception − w_rep · repeated(n)
/// format     = 1 when the generation has a complete &lt;answer&gt;…&lt;/answer&gt; block (and, with a think prefix,
///              a &lt;/think&gt; before it), else 0
/// perception = share of key facts found (case-insensitive) in the text before the answer block; 1 when there is none
/// repeated(n) = 1 − distinct word n-grams / all word n-grams (0 for fewer than n words)
/// </code>
/// </summary>
public static class PerceptionR1Reward
{
    /// <summary>The reward and its terms.</summary>
    public static (float Reward, float Accuracy, float Format, float Perception, float Repetition) Compute(
        string generation, float accuracy, IReadOnlyList<string> keyFacts, bool thinkPrefix, RewardConfig config)
    {
        float format = Format(generation, thinkPrefix);
        float perception = Perception(generation, keyFacts);
        float repetition = RepeatedShare(generation, config.RepetitionNgram);
        float reward = accuracy + (float)config.FormatWeight * format + (float)config.PerceptionWeight * perception
            - (float)config.RepetitionPenalty * repetition;
        return (reward, accuracy, format, perception, repetition);
    }

    /// <summary>1 when the answer block (and the closing think tag, with a think prefix) is well formed.</summary>
    public static float Format(string generation, bool thinkPrefix)
    {
        if (!JudgeOutput.TryGetLastAnswer(generation, out _))
        {
            return 0f;
        }

        if (!thinkPrefix)
        {
            return 1f;
        }

        int think = generation.IndexOf("</think>", StringComparison.Ordinal);
        return think >= 0 && think < generation.LastIndexOf("<answer>", StringComparison.Ordinal) ? 1f : 0f;
    }

    /// <summary>Share of <paramref name="keyFacts"/> stated before the answer block.</summary>
    public static float Perception(string generation, IReadOnlyList<string> keyFacts)
    {
        if (keyFacts.Count == 0)
        {
            return 1f;
        }

        int answer = generation.LastIndexOf("<answer>", StringComparison.Ordinal);
        string reasoning = answer >= 0 ? generation[..answer] : generation;
        int found = keyFacts.Count(f => reasoning.Contains(f.TrimEnd('.'), StringComparison.OrdinalIgnoreCase));
        return (float)found / keyFacts.Count;
    }

    /// <summary><c>1 − distinct / total</c> over the word n-grams of <paramref name="text"/>.</summary>
    public static float RepeatedShare(string text, int n)
    {
        if (n < 1)
        {
            throw new TrainingException($"reward.repetition_ngram must be at least 1, got {n}");
        }

        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        int total = words.Length - n + 1;
        if (total <= 0)
        {
            return 0f;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < total; i++)
        {
            seen.Add(string.Join(' ', words, i, n));
        }

        return 1f - (float)seen.Count / total;
    }
}
