using MetaLora.Repro;

namespace MetaLora.Prediction.Coefficients.Mlp;

/// <summary>Which bank tasks f was trained on and which were held out; both ascending.</summary>
public sealed class TaskSplit(IReadOnlyList<int> train, IReadOnlyList<int> heldOut)
{
    public IReadOnlyList<int> Train { get; } = train;
    public IReadOnlyList<int> HeldOut { get; } = heldOut;

    /// <summary>floor(fraction · N): 401 of the paper's 502 tasks (the tolerance absorbs 0.8 · 10 = 7.999...).</summary>
    public static int TrainCount(int tasks, double trainFraction) => (int)Math.Floor(trainFraction * tasks + 1e-9);

    /// <summary>A seeded Fisher–Yates shuffle of 0..N-1; its first <see cref="TrainCount"/> tasks are the train split.</summary>
    public static TaskSplit Draw(int tasks, double trainFraction, ulong seed)
    {
        var order = Enumerable.Range(0, tasks).ToArray();
        var random = new SplitMix64(seed);
        for (var k = tasks - 1; k > 0; k--)
        {
            var other = random.NextBelow(k + 1);
            (order[k], order[other]) = (order[other], order[k]);
        }
        var count = TrainCount(tasks, trainFraction);
        return new TaskSplit(order[..count].Order().ToArray(), order[count..].Order().ToArray());
    }
}
