using PerceptionJudge.Distributed;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training.DataParallel;

/// <summary>
/// The kept rows of the whole step as one rank with every prompt would order them: by global prompt g, then by sample
/// k of its group, with the groups the DAPO filter dropped left out. Each rank knows which global row is its own and
/// where it sits in its local batch, so every rank shuffles and cuts the same global mini-batches and trains on its
/// part of each. Built from one all-reduce of the kept-row count of every global prompt.
/// </summary>
public sealed class GlobalRowLayout
{
    private GlobalRowLayout(int[] owner, int[] localRow, int[] groups, int rank)
    {
        Owner = owner;
        LocalRow = localRow;
        Groups = groups;
        Rank = rank;
    }

    /// <summary>Kept rows over every rank.</summary>
    public int Count => Owner.Length;

    /// <summary>The rank holding each global row.</summary>
    public int[] Owner { get; }

    /// <summary>Each global row's index in its owner's batch (−1 for rows of other ranks).</summary>
    public int[] LocalRow { get; }

    /// <summary>Dense group id of each global row, groups numbered in global prompt order.</summary>
    public int[] Groups { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>
    /// The layout of <paramref name="batch"/>, whose judgments carry their global prompt index as
    /// <see cref="Rollout.Judgment.Group"/> (&lt; <paramref name="promptsPerStep"/>); a collective.
    /// </summary>
    public static GlobalRowLayout Gather(ScoredRollout batch, ICommunicator communicator, int promptsPerStep)
    {
        var counts = new double[promptsPerStep];
        foreach (var j in batch.Judgments)
        {
            counts[j.Group]++;
        }

        communicator.AllReduceSum(counts);
        var offset = new int[promptsPerStep + 1];
        for (int g = 0; g < promptsPerStep; g++)
        {
            offset[g + 1] = offset[g] + (int)counts[g];
        }

        int total = offset[promptsPerStep];
        var owner = new int[total];
        var localRow = new int[total];
        var groups = new int[total];
        localRow.AsSpan().Fill(-1);
        int dense = -1;
        for (int g = 0; g < promptsPerStep; g++)
        {
            dense += counts[g] > 0 ? 1 : 0;
            for (int row = offset[g]; row < offset[g + 1]; row++)
            {
                owner[row] = g % communicator.Size;
                groups[row] = dense;
            }
        }

        var taken = new int[promptsPerStep];
        for (int i = 0; i < batch.Judgments.Count; i++)
        {
            int g = batch.Judgments[i].Group;
            localRow[offset[g] + taken[g]++] = i; // sample k of group g is its k-th kept row here
        }

        return new GlobalRowLayout(owner, localRow, groups, communicator.Rank);
    }

    /// <summary>This rank's local rows among the global rows <paramref name="rows"/>, in their order.</summary>
    public int[] Local(int[] rows) => [.. rows.Where(r => Owner[r] == Rank).Select(r => LocalRow[r])];
}
