using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MetaLora.Bank;
using MetaLora.Model;
using static TorchSharp.torch;
using MetaLora.Inference;

namespace MetaLora.Cli.Bench;

/// <summary>
/// Local generation, over and over: each worker thread holds its own copy of the bank's base model
/// and goes through the tasks, swapping in each task's adapter and generating its test prompts, as
/// Infer does, until the time is up. Every round's outputs must have the bytes of the first round. With
/// <c>GcStress</c> another thread forces full garbage collections and finalizers without pause, which
/// turns any native object freed while libtorch still uses it from a rare crash into a prompt one.
/// </summary>
internal static class SoakBenchmark
{
    public sealed record Options(string BankDir, double Seconds, int Workers, int Tasks, int MaxNewTokens, bool GcStress);

    public sealed record Outcome(int Rounds, long Generations, long Samples, int Mismatches, long Collections, double Seconds);

    public static Outcome Run(Options o, Action<string> log)
    {
        if (o.Seconds <= 0 || o.Workers < 1 || o.MaxNewTokens < 1)
            throw new BadInputException("bench soak: --seconds, --workers and --max-new-tokens must be positive");
        var bank = BankInfo.Load(o.BankDir);
        var soak = new SoakRun(o, bank, log);
        long collections = 0;

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
            ModelWorkers.Run(o.Workers, soak.Work);
        }
        finally
        {
            done.Cancel();
            if (o.GcStress) stress.Join();
            set_num_threads(previousThreads);
        }
        return new Outcome(soak.Rounds, soak.Generations, soak.Samples, soak.Mismatches, collections, soak.Clock.Elapsed.TotalSeconds);
    }

    /// <summary>The workers' shared inputs, the first round's output hashes, and the counts so far.</summary>
    private sealed class SoakRun
    {
        private readonly Options o;
        private readonly BankInfo bank;
        private readonly IReadOnlyList<string> tasks;
        private readonly Action<string> log;
        private readonly string modelDir;
        private readonly HashSet<string> withAdapters;
        private readonly Dictionary<string, string[]> inputs;
        private readonly Dictionary<string, string> reference = new(StringComparer.Ordinal);
        private readonly TimeSpan stop;
        private int rounds, mismatches;
        private long generations, samples;

        public SoakRun(Options o, BankInfo bank, Action<string> log)
        {
            this.o = o;
            this.bank = bank;
            this.log = log;
            modelDir = BaseModelFolder.Of(bank);
            tasks = bank.Take(o.Tasks);
            withAdapters = tasks.Where(t => Directory.Exists(bank.AdapterDir(t))).ToHashSet(StringComparer.Ordinal);
            // Read once: the loop below is what is soaked, not the disk.
            inputs = tasks.ToDictionary(t => t, t => Dataset.ReadSplit(bank.DatasetDir(t), "test").Select(s => s.Input).ToArray(), StringComparer.Ordinal);
            Clock = Stopwatch.StartNew();
            stop = TimeSpan.FromSeconds(o.Seconds);
        }

        public Stopwatch Clock { get; }
        public int Rounds => rounds;
        public int Mismatches => mismatches;
        public long Generations => generations;
        public long Samples => samples;

        /// <summary>Worker <paramref name="w"/>: its own model, round after round over the tasks until the time is up.</summary>
        public void Work(int w)
        {
            using var model = MistralCheckpoint.Load(modelDir);
            var tokenizer = ModelTokenizer.FromFolder(modelDir, model.Config);
            var prompts = inputs.ToDictionary(i => i.Key, i => i.Value.Select(text => PromptIds.Encode(tokenizer, text, model.Config, o.MaxNewTokens).Ids).ToArray(),
                StringComparer.Ordinal);
            while (Clock.Elapsed < stop)
            {
                // Workers start at different tasks, so adapters are loaded and swapped concurrently.
                for (var k = 0; k < tasks.Count && Clock.Elapsed < stop; k++)
                    GenerateTask(w, model, prompts, tasks[(k + w) % tasks.Count]);
                if (w == 0) Interlocked.Increment(ref rounds);
            }
        }

        /// <summary>One task's prompts with its adapter swapped in, the outputs' hash checked against the first round's.</summary>
        private void GenerateTask(int w, MistralForCausalLM model, Dictionary<string, IReadOnlyList<int>[]> prompts, string task)
        {
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
    }

    private static string Hash(int[][] outputs)
    {
        var text = new StringBuilder();
        foreach (var row in outputs) text.AppendJoin(',', row).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
