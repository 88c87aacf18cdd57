using System.CommandLine;
using System.Globalization;
using MetaLora.Metrics;

namespace MetaLora.Cli;

/// <summary>`lora bench ...`: timings of the pipeline's heavy kernels on synthetic data.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Time the pipeline's heavy computations on synthetic data.");
        command.Subcommands.Add(Distances());
        return command;
    }

    private static Command Distances()
    {
        var tasks = new Option<int>("--tasks") { Description = "Number of synthetic tasks (N).", DefaultValueFactory = _ => 502 };
        var minTokens = new Option<int>("--min-tokens") { Description = "Fewest tokens in a task.", DefaultValueFactory = _ => 20_000 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens in a task.", DefaultValueFactory = _ => 200_000 };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size V (token ids in [0, V)).", DefaultValueFactory = _ => 32_000 };
        var metric = new Option<string>("--metric") { Description = $"Metrics to time: {MetricNames.Valid}.", DefaultValueFactory = _ => "all" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic tasks and of MMD's sampling.", DefaultValueFactory = _ => 0 };
        var runs = new Option<int>("--runs") { Description = "Runs per metric; the median is reported.", DefaultValueFactory = _ => 1 };

        var command = new Command("distances", "Time the N x N distance matrices (WD, KL, JS, MMD) on synthetic Zipf-like tasks.");
        foreach (var option in new Option[] { tasks, minTokens, maxTokens, vocab, metric, seed, runs })
            command.Options.Add(option);
        command.SetAction(parseResult =>
        {
            var metrics = MetricNames.Parse(parseResult.GetValue(metric)!);
            var seedValue = parseResult.GetValue(seed);
            var data = DistanceBenchmark.Synthesize(parseResult.GetValue(tasks), parseResult.GetValue(minTokens),
                parseResult.GetValue(maxTokens), parseResult.GetValue(vocab), seedValue);
            var totalTokens = data.Tokens.Sum(t => (long)t.Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{data.Tokens.Count} tasks, {totalTokens:N0} tokens, V = {data.VocabSize}, {Environment.ProcessorCount} threads"));
            var timings = DistanceBenchmark.Time(data, metrics, parseResult.GetValue(runs), seedValue);
            Console.WriteLine($"{"metric",-6} {"seconds",10} {"pairs/s",14}  runs (s)");
            foreach (var t in timings)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Metric,-6} {t.MedianSeconds,10:F3} {t.PairsPerSecond,14:N0}  {string.Join(" ", t.Seconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"total",-6} {timings.Sum(t => t.MedianSeconds),10:F3}"));
            return 0;
        });
        return command;
    }
}
