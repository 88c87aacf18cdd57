using MetaLora.Prediction.Coefficients.Mlp;

namespace MetaLora.Cli.Bench;

/// <summary>
/// One timed mlp_version training: wall and process CPU seconds per Adam step, the time after the last
/// step (f applied to all N² entries, softmin), the whole run, and the peak resident memory.
/// </summary>
internal sealed record MlpTiming(
    MlpEngine Engine, int Tasks, int TrainTasks, int Hidden, int Threads, int Steps,
    IReadOnlyList<double> StepSeconds, IReadOnlyList<double> StepCpuSeconds, double FinalSeconds, double TotalSeconds,
    long PeakBytes, bool PeakIsForThisRun)
{
    /// <summary>Median seconds per step; the first step (which also draws and converts the initial f) is left out when there are others.</summary>
    public double MedianStepSeconds => Median(StepSeconds.Count > 1 ? StepSeconds.Skip(1) : StepSeconds);

    public double MedianStepCpuSeconds => Median(StepCpuSeconds.Count > 1 ? StepCpuSeconds.Skip(1) : StepCpuSeconds);

    /// <summary>Setup, the first step and the final application: everything but steps 2 to <see cref="Steps"/>.</summary>
    public double OtherSeconds => TotalSeconds - StepSeconds.Skip(1).Sum();

    /// <summary>The whole training with <paramref name="steps"/> steps, from this run's median step.</summary>
    public double ExtrapolatedSeconds(int steps) => OtherSeconds + (steps - 1) * MedianStepSeconds;

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
