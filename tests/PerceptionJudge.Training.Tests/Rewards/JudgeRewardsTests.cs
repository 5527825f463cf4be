using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Rewards;
using PerceptionJudge.Training.Rollout;

namespace PerceptionJudge.Training.Tests.Rewards;

[TestFixture]
public sealed class JudgeRewardsTests
{
    private static string s_dir = "";

    [OneTimeSetUp]
    public void Build()
    {
        s_dir = Path.Combine(Path.GetTempPath(), "pj-rewards-" + Guid.NewGuid().ToString("N"));
        PpjdBuilder.BuildSynthetic(s_dir, 6, 11);
    }

    [OneTimeTearDown]
    public void Clean() => Directory.Delete(s_dir, recursive: true);

    [TestCase(false)]
    [TestCase(true)]
    public void GoldJudgment_EarnsFullReward_ForEveryRecord(bool think)
    {
        foreach (var r in PpjdManifest.Read(s_dir))
        {
            string gold = JudgePrompt.Gold(r, think);
            Assert.That(JudgeRewards.Task(r.Task, gold, r.Label), Is.EqualTo(1f), r.Id + ": " + gold);
            Assert.That(JudgeRewards.Parses(r.Task, gold, r.Responses.Count), Is.True, r.Id);
            Assert.That(PerceptionR1Reward.Format(gold, think), Is.EqualTo(1f), r.Id);
        }
    }

    [Test]
    public void Gold_WithThink_DescribesTheShownImage_ThenStatesTheKeyFact_ThenJudges()
    {
        var r = PpjdManifest.Read(s_dir).First(x => x.Task == PpjdTask.Pair && x.Image == "perturbed");
        string keyFact = r.Responses[r.Label[0] - 'A'];
        Assert.That(JudgePrompt.Gold(r, thinkPrefix: true), Is.EqualTo(
            $"{r.Facts!["perturbed"]} {keyFact}</think><answer>{r.Label}</answer><|im_end|>"));
        Assert.That(JudgePrompt.Gold(r, thinkPrefix: false), Is.EqualTo($"<answer>{r.Label}</answer><|im_end|>"));

        // A score item shown with the other image has no key fact; an imported record has no facts.
        var wrong = PpjdManifest.Read(s_dir).First(x => x.Task == PpjdTask.Score && x.Label == "0");
        Assert.That(JudgePrompt.Gold(wrong, true), Is.EqualTo($"{wrong.Facts!["perturbed"]}</think><answer>0</answer><|im_end|>"));
        Assert.That(JudgePrompt.Gold(r with { Facts = null }, true), Does.StartWith(keyFact + "</think>"));
    }

    [Test]
    public void TaggedResponses_CloseEachLineAndTheKeyFactWithTheLetter_AndKeepFullReward()
    {
        var r = PpjdManifest.Read(s_dir).First(x => x.Task == PpjdTask.Pair && x.Image == "perturbed");
        string prompt = JudgePrompt.Prompt(r, thinkPrefix: true, imageTokens: 1, tagResponses: true);
        Assert.That(prompt, Does.Contain($"A: {r.Responses[0]} (A)\nB: {r.Responses[1]} (B)\n"));
        string keyFact = r.Responses[r.Label[0] - 'A'];
        string gold = JudgePrompt.Gold(r, thinkPrefix: true, tagResponses: true);
        Assert.That(gold, Is.EqualTo(
            $"{r.Facts!["perturbed"]} {keyFact} ({r.Label})</think><answer>{r.Label}</answer><|im_end|>"));
        foreach (var record in PpjdManifest.Read(s_dir))
        {
            string g = JudgePrompt.Gold(record, true, tagResponses: true);
            Assert.That(JudgeRewards.Task(record.Task, g, record.Label), Is.EqualTo(1f), record.Id + ": " + g);
        }
    }

    [Test]
    public void Prompt_ListsResponsesByLetter_AndExpandsTheImage()
    {
        var r = PpjdManifest.Read(s_dir).First(x => x.Task == PpjdTask.BatchRanking);
        string prompt = JudgePrompt.Prompt(r, thinkPrefix: true, imageTokens: 4);
        Assert.That(prompt, Does.Contain("<image><image><image><image>\n" + r.Question));
        Assert.That(prompt, Does.Contain("A: " + r.Responses[0]).And.Contain("C: " + r.Responses[2]));
        Assert.That(prompt, Does.EndWith("<|im_start|>assistant\n<think>"));
    }

    [Test]
    public void WrongOrGarbageJudgments_ScoreBelowOne_NeverThrow()
    {
        Assert.That(JudgeRewards.Task(PpjdTask.Score, "<answer>0</answer>", "1"), Is.EqualTo(0f));
        Assert.That(JudgeRewards.Task(PpjdTask.Pair, "<answer>B</answer>", "A"), Is.EqualTo(0f));
        Assert.That(JudgeRewards.Task(PpjdTask.BatchRanking, "<answer>CBA</answer>", "ABC"), Is.EqualTo(0f));
        Assert.That(JudgeRewards.Task(PpjdTask.BatchRanking, "<answer>ACB</answer>", "ABC"),
            Is.EqualTo(2f / 3).Within(1e-6f));
        Assert.That(JudgeRewards.Task(PpjdTask.Score, "\u0000<answer>", "1"), Is.EqualTo(0f));
        Assert.That(() => JudgeRewards.Task("essay", "x", "1"), Throws.TypeOf<TrainingException>());
    }

    [Test]
    public void PerceptionR1_AddsFormatAndFacts_SubtractsRepetition()
    {
        var config = new RewardConfig();
        var good = PerceptionR1Reward.Compute("I count 2</think><answer>A</answer>", 1f, ["I count 2."], true, config);
        Assert.That(good.Format, Is.EqualTo(1f));
        Assert.That(good.Perception, Is.EqualTo(1f));
        Assert.That(good.Reward, Is.EqualTo(1f + 0.1f + 0.5f).Within(1e-6f));
        var bad = PerceptionR1Reward.Compute("red red red red red red <answer>A", 0f, ["I count 2."], true, config);
        Assert.That(bad.Format, Is.EqualTo(0f));
        Assert.That(bad.Perception, Is.EqualTo(0f));
        // words: red×6, <answer>A → 5 trigrams, 2 distinct: repeated share 1 − 2/5.
        Assert.That(bad.Repetition, Is.EqualTo(0.6f).Within(1e-6f));
        Assert.That(PerceptionR1Reward.RepeatedShare("one two", 3), Is.EqualTo(0f));
    }
}
