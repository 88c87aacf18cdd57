using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MetaLora.Bank;
using MetaLora.Model;
using static TorchSharp.torch;
using MetaLora.Stages;
using MetaLora.Inference;

namespace MetaLora.Cli.Bench;

/// <summary>
/// Local generation, over and over: each worker thread holds its own copy of the bank's base model
/// and goes through the tasks, swapping in each task's adapter and generating its test prompts, as
/// Infer does, until the time is up. Every round's outputs must have the bytes of the first round. With
/// <c>GcStress</c> another thread forces full garbage collections and finalizers without pause, which
/// turns any native object freed while libtorch still uses it from a rare crash into a prompt one.
/// </summary>
public static class SoakBenchmark
{
    public sealed record Options(string BankDir, double Seconds, int Workers, int Tasks, int MaxNewTokens, bool GcStress);

    public sealed record Outcome(int Rounds, long Generations, long Samples, int Mismatches, long Collections, double Seconds);

    public static Outcome Run(Options o, Action<string> log)
    {
        if (o.Seconds <= 0 || o.Workers < 1 || o.MaxNewTokens < 1)
            throw new BadInputException("bench soak: --seconds, --workers and --max-new-tokens must be positive");
        var bank = BankInfo.Load(o.BankDir);
        var modelDir = BaseModelFolder.Of(bank);
        var tasks = bank.Take(o.Tasks);
        var withAdapters = tasks.Where(t => Directory.Exists(bank.AdapterDir(t))).ToHashSet(StringComparer.Ordinal);
        // Read once: the loop below is what is soaked, not the disk.
        var inputs = tasks.ToDictionary(t => t, t => Dataset.ReadSplit(bank.DatasetDir(t), "test").Select(s => s.Input).ToArray(), StringComparer.Ordinal);
        var reference = new Dictionary<string, string>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var stop = TimeSpan.FromSeconds(o.Seconds);
        int rounds = 0, mismatches = 0;
        long generations = 0, samples = 0, collections = 0;

        using var done = new CancellationTokenSource();
        var stress = new Thread(() =>
        {
            while (!done.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        }) { IsBackground = true, Name = "soak: collector" };
        var previousThreads = get_num_threads();
        set_num_threads(1);
        if (o.GcStress) stress.Start();
        try
        {
            ModelWorkers.Run(o.Workers, w =>
            {
                using var model = MistralCheckpoint.Load(modelDir);
                var tokenizer = ModelTokenizer.FromFolder(modelDir, model.Config);
                var prompts = inputs.ToDictionary(i => i.Key, i => i.Value.Select(text => PromptIds.Encode(tokenizer, text, model.Config, o.MaxNewTokens).Ids).ToArray(),
                    StringComparer.Ordinal);
                while (clock.Elapsed < stop)
                {
                    // Workers start at different tasks, so adapters are loaded and swapped concurrently.
                    for (var k = 0; k < tasks.Count && clock.Elapsed < stop; k++)
                    {
                        var task = tasks[(k + w) % tasks.Count];
                        using var adapter = withAdapters.Contains(task) ? LoraAdapter.Load(bank.AdapterDir(task), model) : null;
                        model.SetAdapter(adapter);
                        var outputs = Generation.Generate(model, prompts[task], new GenerationOptions { MaxNewTokens = o.MaxNewTokens });
                        model.SetAdapter(null);
                        var hash = Hash(outputs);
                        lock (reference)
                        {
                            if (!reference.TryAdd(task, hash) && reference[task] != hash)
                            {
                                mismatches++;
                                log($"worker {w}: {task}: the outputs differ from the first round's");
                            }
                        }
                        Interlocked.Increment(ref generations);
                        Interlocked.Add(ref samples, prompts[task].Length);
                    }
                    if (w == 0) Interlocked.Increment(ref rounds);
                }
            });
        }
        finally
        {
            done.Cancel();
            if (o.GcStress) stress.Join();
            set_num_threads(previousThreads);
        }
        return new Outcome(rounds, generations, samples, mismatches, collections, clock.Elapsed.TotalSeconds);
    }

    private static string Hash(int[][] outputs)
    {
        var text = new StringBuilder();
        foreach (var row in outputs) text.AppendJoin(',', row).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
