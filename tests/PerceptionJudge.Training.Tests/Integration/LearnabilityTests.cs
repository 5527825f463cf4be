using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Tests.Integration;

/// <summary>
/// End-to-end learnability of the RL loop, the sanity check TRL and verl run on their GRPO trainers: an untrained
/// text-only Nano policy, rewarded 1 when its answer starts with a vowel (a rule read from the text alone, true of
/// 1 in 32 answers of the first step), must hold a mean reward of at least 0.9 over 5 consecutive steps within 30
/// steps through the real <see cref="JudgeTrainer"/> (rollout, <c>RolloutScoring</c>, the advantage and
/// policy-loss registries, <c>PolicyUpdate</c>, fused AdamW). A flipped sign drives the reward to 0 in every case.
/// The vowel rule alone does not catch a log-prob shifted by one token (a bias towards vowels learnt at the wrong
/// position still helps), so one case rewards different things at the first two positions, which a shifted
/// alignment or mask cannot learn.
/// </summary>
[TestFixture]
public sealed class LearnabilityTests : LibTorchFixture
{
    private const int MaxSteps = 30;
    private const int Window = 5;
    private const double Target = 0.9;

    private const string Vowels = "aeiouAEIOU";
    private const string Consonants = "bcdfghjklmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ";

    private static readonly string[] s_questions =
    [
        "Name a colour.", "Name a shape.", "What is in the image?", "Answer with one word.",
        "Which response is better?", "Say something.", "Is the circle red?", "Describe the scene.",
    ];

    /// <summary>1 when the answer's first character is a vowel (either case), else 0.</summary>
    internal static float StartsWithVowel(Judgment judgment) =>
        judgment.Text.Length > 0 && Vowels.Contains(judgment.Text[0]) ? 1f : 0f;

    /// <summary>
    /// Half a point when the answer's first token starts with a vowel ("a", "orange"), half when its second starts
    /// with a consonant ("red"): the two halves ask different things of neighbouring positions, so a log-prob or mask
    /// shifted by one token trains the wrong position.
    /// </summary>
    internal static float VowelThenConsonant(Judgment judgment)
    {
        var tokenizer = TinyVocabulary.Create();
        string Token(int k) => judgment.ResponseIds.Length > k
            ? tokenizer.Decode([judgment.ResponseIds[k]], skipSpecialTokens: true, skipUnknownIds: true)
            : "";
        bool StartsWithAny(string text, string letters) => text.Length > 0 && letters.Contains(text[0]);
        return (StartsWithAny(Token(0), Vowels) ? 0.5f : 0f) + (StartsWithAny(Token(1), Consonants) ? 0.5f : 0f);
    }

    private static IEnumerable<TestCaseData> Recipes()
    {
        Func<Judgment, float> vowel = StartsWithVowel;
        TrainConfig Full(TrainConfig c) => c with
        {
            Model = c.Model with { Finetune = "full" },
            Optim = c.Optim with { Lr = 3e-3 },
        };

        yield return new TestCaseData("grpo + vanilla, LoRA", (Func<TrainConfig, TrainConfig>)(c => c), vowel);
        yield return new TestCaseData("rloo + gspo, LoRA", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Algorithm = c.Algorithm with { AdvEstimator = "rloo", PolicyLoss = "gspo" },
        }), vowel);
        yield return new TestCaseData("grpo + vanilla, full fine-tune", (Func<TrainConfig, TrainConfig>)Full, vowel);
        yield return new TestCaseData("perpo, LoRA", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Algorithm = c.Algorithm with { Mode = "perpo" },
        }), vowel);

        // Two positions with different targets; LoRA on the random init learns one bias for both positions and stalls
        // at 0.5, the full fine-tune separates them.
        yield return new TestCaseData("grpo + vanilla, full fine-tune, two-token rule",
            (Func<TrainConfig, TrainConfig>)Full, (Func<Judgment, float>)VowelThenConsonant);
    }

    [TestCaseSource(nameof(Recipes))]
    public void UntrainedPolicy_LearnsATextRule(
        string recipe, Func<TrainConfig, TrainConfig> change, Func<Judgment, float> reward)
    {
        var config = change(Config(MaxSteps));
        using var trainer = new JudgeTrainer(config, TextSamples(), reward: reward);
        var rewards = new List<double>();
        while (trainer.Step < config.Trainer.Steps && !Learned(rewards))
        {
            rewards.Add(trainer.RunRlStep()["reward_mean"]);
        }

        TestContext.Out.WriteLine($"{recipe}: rewards {string.Join(" ", rewards.Select(r => r.ToString("F2")))}");
        Assert.That(rewards[0], Is.LessThan(0.3), $"{recipe}: the untrained policy already knows the rule");
        Assert.That(Learned(rewards), Is.True,
            $"{recipe}: no {Window} consecutive steps averaged a reward of {Target} within {MaxSteps} steps");
    }

    /// <summary>Whether the last <see cref="Window"/> steps' mean reward reached <see cref="Target"/>.</summary>
    private static bool Learned(List<double> rewards) =>
        rewards.Count >= Window && rewards.TakeLast(Window).Average() >= Target;

    /// <summary>
    /// The toy run (<see cref="ToyTrainConfig"/>) as an RL recipe: Nano from its random init (no SFT), 4 prompts × 8 answers of at most 2 tokens, one
    /// mini-batch, LR 1e-2. Sampling is untruncated (no top-k or top-p, so the sampler is the policy) at T = 0.25: the
    /// tied embeddings start at std 0.02, so a logit is at most |h|·|e| ≈ √128 · 0.02·√128 ≈ 2.6 before the
    /// temperature, and at T = 1 no weights LoRA can reach put 90% of the mass on a few tokens of 576; logits / 0.25
    /// can. The log-probs are taken at the same temperature, so the run stays on-policy.
    /// </summary>
    internal static TrainConfig Config(int steps)
    {
        var toy = ToyTrainConfig.Create(outDir: "", steps);
        return toy with
        {
            Algorithm = new AlgorithmConfig(), // the defaults: the zero-variance filter on, no entropy bonus
            Rollout = new RolloutConfig { N = 8, MaxNewTokens = 2, Temperature = 0.25, TopK = 0, TopP = 1.0 },
            Optim = toy.Optim with { Lr = 1e-2 },
            Sft = new SftConfig(),
            Trainer = toy.Trainer with { PromptsPerStep = 4, MiniBatchPrompts = 4, MicroBatchSequences = 32, Seed = 7 },
        };
    }

    /// <summary>Text-only chat prompts (no image), one per question.</summary>
    internal static SampleSet TextSamples()
    {
        var tokenizer = TinyVocabulary.Create();
        var samples = s_questions.Select((q, i) => new JudgeSample(
            Record(i, q),
            tokenizer.Encode($"<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"),
            [],
            [],
            $"question-{i}")).ToList();
        return SampleSet.FromSamples(samples, samples);
    }

    private static PpjdRecord Record(int i, string question) => new(
        $"text-{i}", PpjdTask.Score, (ulong)i, "original", "", "", "", "", question, [], new Dictionary<string, string>(),
        "1", new PpjdPerturbation("none", "", ""));
}
