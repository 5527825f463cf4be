using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Eval;
using PerceptionJudge.Eval.Input;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// MLLM-as-a-Judge JSONL (score / pair / batch files of the public release) as judge samples: the instruction is the
/// question, the answers are the responses, the image comes from <c>--images</c>. Score items ask for a 1–5 rating,
/// as the benchmark's human scores are.
/// </summary>
internal static class MllmJudgeSamples
{
    /// <summary>The rating instruction of score items.</summary>
    public const string ScoreInstruction = "Rate the response from 1 to 5.";

    /// <summary>
    /// Reads <paramref name="file"/>, prints its unknown-field warnings, and builds the samples with the judge's
    /// <paramref name="tokenizer"/>.
    /// </summary>
    public static (List<JudgeExample> Examples, List<JudgeSample> Samples) Load(string file, string task,
        string imageFolder, int imageSize, int imageTokens, bool thinkPrefix, PerceptionJudge.Model.Tokenizer.Tokenizer tokenizer,
        TextWriter stdout)
    {
        var judgeTask = MllmJudgeReader.ParseTask(task, "--task");
        var set = MllmJudgeReader.Read(file, judgeTask);
        foreach (var warning in set.Warnings)
        {
            stdout.WriteLine("warning: " + warning);
        }

        var images = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var samples = new List<JudgeSample>();
        foreach (var e in set.Examples)
        {
            string path = Path.Combine(imageFolder, e.ImagePath);
            if (!images.TryGetValue(path, out var pixels))
            {
                if (!File.Exists(path))
                {
                    throw new TrainingException(path, $"image of example {e.Id} not found; pass the release's image " +
                        "folder with --images");
                }

                images[path] = pixels = SampleSet.LoadPixels(path, imageSize);
            }

            var record = new PpjdRecord(e.Id, e.Task switch
            {
                JudgeTask.Score => PpjdTask.Score,
                JudgeTask.Pair => PpjdTask.Pair,
                _ => PpjdTask.BatchRanking,
            }, 0, "original", e.ImagePath, e.ImagePath, "", "", e.Instruction, e.Responses,
                new Dictionary<string, string>(), e.Truth.ToString(), new PpjdPerturbation("none", "", ""));
            string? instruction = e.Task == JudgeTask.Score ? ScoreInstruction : null;
            samples.Add(new JudgeSample(record,
                tokenizer.Encode(JudgePrompt.Prompt(record, thinkPrefix, imageTokens, instruction,
                    image: tokenizer.Chat.Image)),
                tokenizer.Encode(JudgePrompt.Gold(record, thinkPrefix)), pixels, e.ImagePath));
        }

        return ([.. set.Examples], samples);
    }
}
