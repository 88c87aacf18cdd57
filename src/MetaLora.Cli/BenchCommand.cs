using System.CommandLine;
using System.Globalization;
using MetaLora.Cli.Bench;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Tokenization;
using MetaLora.Bank;
using MetaLora.Distances;
using MetaLora.Inference;
using MetaLora.Prediction.Coefficients.Mlp;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Cli;

/// <summary>`lora bench ...`: timings of the pipeline's heavy kernels on synthetic data.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Time the pipeline's heavy computations on synthetic data.");
        command.Subcommands.Add(Distances());
        command.Subcommands.Add(Predict());
        command.Subcommands.Add(Mlp());
        command.Subcommands.Add(Model());
        command.Subcommands.Add(Tokenize());
        command.Subcommands.Add(TopK());
        command.Subcommands.Add(Soak());
        command.Subcommands.Add(Report());
        command.Subcommands.Add(Serve());
        return command;
    }

    private static Command Serve()
    {
        var bankDir = new Option<string?>("--bank-dir") { Description = "The bank to serve, with its adapters. Default: the tiny embedded bank, built for the run in a temporary folder." };
        var clients = new Option<string>("--clients") { Description = "Concurrency levels, comma separated: clients sending at once, each one request after another.", DefaultValueFactory = _ => "1,4,16,64" };
        var seconds = new Option<double>("--seconds") { Description = "How long each level sends requests.", DefaultValueFactory = _ => 10 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "max_tokens of every request (greedy, temperature 0).", DefaultValueFactory = _ => 16 };
        var batchSize = new Option<int>("--batch-size") { Description = "The server's --batch-size.", DefaultValueFactory = _ => InferOptions.DefaultBatchSize };
        var serverArgs = new Option<string[]>("--server-arg") { Description = "Another lora serve option for the server, e.g. --server-arg=--max-concurrent-requests=8. Repeatable.", AllowMultipleArgumentsPerToken = false };
        var command = new Command("serve",
            "Load-test lora serve: start it on 127.0.0.1 over the bank with every adapter loaded, then for each concurrency level send completions " +
            "for a fixed time, half to the base model and half to the adapters, each generating --max-tokens tokens (ignore_eos); report requests/s, generated tokens/s, p50 and p99 latency, " +
            "429s, errors, the server's peak RSS and the gain of batching (tokens/s at 16 clients over 1).")
        {
            bankDir, clients, seconds, maxTokens, batchSize, serverArgs,
        };
        command.SetAction(async (parse, _) =>
        {
            var levels = parse.GetValue(clients)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new BadInputException($"--clients={parse.GetValue(clients)}: '{c}' is not a whole number"))
                .ToArray();
            var options = new ServeBenchmark.Options(parse.GetValue(bankDir), levels, parse.GetValue(seconds), parse.GetValue(maxTokens), parse.GetValue(batchSize), parse.GetValue(serverArgs) ?? []);
            var header = false;
            var outcome = await ServeBenchmark.RunAsync(options, line =>
            {
                if (!header && line.StartsWith(' ')) { Console.WriteLine(ServeBenchmark.Header); header = true; }
                Console.WriteLine(line);
            });
            if (ServeBenchmark.BatchingGain(outcome.Levels) is { } gain)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batching gain: {gain:F2}x the generated tokens/s at 16 clients over 1"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"server stopped {(outcome.ExitCode is { } code ? $"with exit code {code}" : "only when killed")} {outcome.StopSeconds:F1} s after SIGTERM"));
            return outcome.Levels.Any(l => l.Errors > 0) ? 1 : 0;
        });
        return command;
    }

    private static Command Report()
    {
        var tasks = new Option<int>("--tasks") { Description = "Tasks of the synthetic study.", DefaultValueFactory = _ => 502 };
        var samples = new Option<int>("--samples") { Description = "Test samples per task in each generations file.", DefaultValueFactory = _ => 8 };
        var runs = new Option<int>("--runs") { Description = "Timed runs (the median is printed).", DefaultValueFactory = _ => 3 };
        var keep = new Option<string?>("--keep") { Description = "Write the synthetic study into this folder and keep it (results/report.html opens in a browser); default: a temporary folder, removed." };
        var command = new Command("report",
            "Time the Report stage (figures and results/report.html) and the page alone on a synthetic study of the paper's shape: base, finetuned and the 12 " +
            "(metric, model) pipelines over N tasks with their generations, distances and coefficients. Prints seconds and the page's size.")
        {
            tasks, samples, runs, keep,
        };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(keep) ?? Path.Combine(Path.GetTempPath(), "metalora-bench-report-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            try
            {
                var (data, results) = SyntheticStudy.Write(root, new SyntheticStudy.Shape(parse.GetValue(tasks), parse.GetValue(samples)), SyntheticStudy.PaperPipelines);
                var timings = Enumerable.Range(0, Math.Max(1, parse.GetValue(runs)))
                    .Select(_ => SyntheticStudy.Time(data, results, SyntheticStudy.PaperPipelines)).ToArray();
                double Median(IEnumerable<double> v) { var s = v.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"report: {parse.GetValue(tasks)} tasks, {SyntheticStudy.PaperPipelines.Count} pipelines: Report stage {Median(timings.Select(t => t.StageSeconds)):F2} s, " +
                    $"report.html alone {Median(timings.Select(t => t.PageSeconds)):F2} s (median of {timings.Length}), {timings[0].PageBytes / 1e6:F2} MB"));
                if (parse.GetValue(keep) is not null) Console.WriteLine("page: " + results.ReportHtml);
            }
            finally
            {
                if (parse.GetValue(keep) is null && Directory.Exists(root)) Directory.Delete(root, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private static Command Soak()
    {
        var bankDir = new Option<string>("--bank-dir") { Description = "A bank with its base model (e.g. data/embedded).", Required = true };
        var seconds = new Option<double>("--seconds") { Description = "How long to keep generating.", DefaultValueFactory = _ => 60 };
        var workers = new Option<int>("--workers") { Description = "Threads generating at once, each with its own copy of the model.", DefaultValueFactory = _ => 2 };
        var tasks = new Option<int>("--tasks") { Description = "The first N tasks of the bank (0 = all).", DefaultValueFactory = _ => 4 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens generated per prompt.", DefaultValueFactory = _ => 16 };
        var gcStress = new Option<bool>("--gc-stress") { Description = "Force full garbage collections and finalizers without pause meanwhile (provokes native objects freed while in use)." };
        var command = new Command("soak",
            "Generate the tasks' test prompts over and over, each task with its adapter, on several threads; exit 1 if a round's outputs differ from the first. " +
            "A native crash ends the process with a signal. bench/soak.sh runs it with Infer and lora serve under load.");
        foreach (var option in new Option[] { bankDir, seconds, workers, tasks, maxNew, gcStress })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var outcome = SoakBenchmark.Run(new SoakBenchmark.Options(parse.GetValue(bankDir)!, parse.GetValue(seconds), parse.GetValue(workers),
                parse.GetValue(tasks), parse.GetValue(maxNew), parse.GetValue(gcStress)), line => Console.Error.WriteLine(line));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"soak: {outcome.Rounds} rounds, {outcome.Generations} generations ({outcome.Samples} prompts) in {outcome.Seconds:F1} s on {parse.GetValue(workers)} threads, " +
                $"{outcome.Collections} forced collections, {outcome.Mismatches} outputs that differ from the first round"));
            return outcome.Mismatches == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command TopK()
    {
        var bankDir = new Option<string>("--bank-dir") { Description = "The bank folder.", Required = true };
        var coefficients = new Option<string>("--coefficients") { Description = "A coefficients.csv of that bank (e.g. data/coefficients/KL/base_version/coefficients.csv).", Required = true };
        var ks = new Option<string>("--k") { Description = "Comma list of k to measure.", DefaultValueFactory = _ => "1,2,4,8,16,all" };
        var command = new Command("topk",
            "For the delta combiner's --top-k: per k, how far ΔW with each row's k largest coefficients (renormalised) is from ΔW with the whole row " +
            "(relative Frobenius distance over all modules, max and mean over tasks), and the coefficient mass kept. Dense: for small banks.");
        foreach (var option in new Option[] { bankDir, coefficients, ks })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var matrix = MatrixCsv.Read(parse.GetValue(coefficients)!);
            var bank = MetaLora.Bank.BankInfo.Load(parse.GetValue(bankDir)!);
            var adapters = AdapterBank.CheckConsistent(matrix.Names.Select(bank.AdapterDir).ToArray());
            var n = matrix.Names.Count;
            var list = parse.GetValue(ks)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(k => k.Equals("all", StringComparison.OrdinalIgnoreCase) ? n - 1 : int.Parse(k, CultureInfo.InvariantCulture))
                .Where(k => k >= 1 && k <= n - 1).Distinct().ToArray();
            Console.WriteLine($"{"k",4}  {"max rel. distance",18}  {"mean",10}  {"min mass kept",14}  {"mean mass kept",14}");
            foreach (var r in TopKMeasure.Run(adapters, matrix.Values, list))
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.K,4}  {r.MaxError,18:E3}  {r.MeanError,10:E3}  {r.MinMassKept,14:F6}  {r.MeanMassKept,14:F6}"));
            return 0;
        });
        return command;
    }

    private static Command Mlp()
    {
        var tasks = new Option<int>("--tasks") { Description = "Bank size N (the paper: 502, of which 401 train f).", DefaultValueFactory = _ => 502 };
        var hidden = new Option<int>("--hidden") { Description = $"Hidden width H of f (the paper: {MlpOptions.DefaultHidden}).", DefaultValueFactory = _ => MlpOptions.DefaultHidden };
        var engine = new Option<string>("--engine")
        {
            Description = $"Engines to time: {MlpEngineNames.Valid}, or both as a comma list (sweep,dense).",
            DefaultValueFactory = _ => MlpEngineNames.Default.Name(),
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Adam steps per run; 0: the whole 40 for the sweep, 2 for dense (its 40-step training is extrapolated from their median).",
            DefaultValueFactory = _ => 0,
        };
        var runs = new Option<int>("--runs") { Description = "Runs per engine; medians over the runs are reported.", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "Threads (the sweep's and torch's); 0 = one per core.", DefaultValueFactory = _ => 0 };
        var chunk = new Option<long>("--chunk-mb") { Description = "Dense engine: memory for one chunk of f's activations, in MB (default 256).", DefaultValueFactory = _ => 256 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the random distances, Gram matrix and training.", DefaultValueFactory = _ => 0 };
        var command = new Command("mlp",
            "Time mlp_version's training on random inputs (f on every off-diagonal entry of the train tasks, the Gram-form loss, " +
            "then f on all N² entries for the final coefficients); reports seconds per Adam step per engine, the 40-step " +
            "training with the final coefficients (measured for the sweep, extrapolated for dense) and peak resident memory.");
        foreach (var option in new Option[] { tasks, hidden, engine, steps, runs, threads, chunk, seed })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var engines = parse.GetValue(engine)!.Split(',').Select(e => MlpEngineNames.Parse(e)).Distinct().ToArray();
            var runCount = parse.GetValue(runs);
            if (runCount < 1) throw new BadInputException($"--runs must be at least 1, got {runCount}");
            var results = new Dictionary<MlpEngine, List<MlpTiming>>();
            foreach (var e in engines)
            {
                var stepCount = parse.GetValue(steps) > 0 ? parse.GetValue(steps) : e == MlpEngine.Sweep ? 40 : 2;
                results[e] = [];
                for (var run = 0; run < runCount; run++)
                    results[e].Add(MlpBenchmark.Run(e, parse.GetValue(tasks), parse.GetValue(hidden), stepCount, parse.GetValue(threads),
                        parse.GetValue(seed), parse.GetValue(chunk) << 20));
            }
            PrintMlp(results, runCount);
            return 0;
        });
        return command;
    }

    /// <summary>The mlp benchmark's table: medians per engine, and the sweep's speed-up when both ran.</summary>
    private static void PrintMlp(Dictionary<MlpEngine, List<MlpTiming>> results, int runCount)
    {
        var first = results.Values.First()[0];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"N {first.Tasks} ({first.TrainTasks} train, {first.TrainTasks * (first.TrainTasks - 1L):N0} inputs of f), H {first.Hidden}, {first.Threads} threads, {runCount} run(s) per engine; load average {LoadAverage()}"));
        Console.WriteLine($"{"engine",-7} {"step",9} {"cpu/step",9} {"steps",6} {"40 steps + final C",19} {"final C",8} {"peak RSS",9}  step per run");
        foreach (var (e, timings) in results)
        {
            double Med(Func<MlpTiming, double> pick) => MlpTiming.Median(timings.Select(pick));
            var measured = timings[0].Steps == 40;
            var whole = measured ? Med(t => t.TotalSeconds) : Med(t => t.ExtrapolatedSeconds(40));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e.Name(),-7} {Med(t => t.MedianStepSeconds),7:F2} s {Med(t => t.MedianStepCpuSeconds),7:F2} s {timings[0].Steps,6} " +
                $"{whole,9:F1} s {(measured ? "measured" : "estimate"),-8} {Med(t => t.FinalSeconds),6:F2} s {Med(t => t.PeakBytes) / 1e6,6:F0} MB" +
                $"{(timings.All(t => t.PeakIsForThisRun) ? "" : "*")}  {string.Join(" ", timings.Select(t => t.MedianStepSeconds.ToString("F2", CultureInfo.InvariantCulture)))}"));
        }
        if (results.TryGetValue(MlpEngine.Sweep, out var sweep) && results.TryGetValue(MlpEngine.Dense, out var dense))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep per step: {MlpTiming.Median(dense.Select(t => t.MedianStepSeconds)) / MlpTiming.Median(sweep.Select(t => t.MedianStepSeconds)):F0}x faster than dense"));
        if (results.Values.Any(r => r.Any(t => !t.PeakIsForThisRun)))
            Console.WriteLine("* peak of the whole process (this system cannot reset it per run)");
    }

    /// <summary>The 1-minute load average (Linux), for timings taken on a shared machine; "?" elsewhere.</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static Command Model()
    {
        var defaults = new ModelBenchmarkOptions();
        Option<int> Int(string name, string description, int fallback) => new(name) { Description = description, DefaultValueFactory = _ => fallback };
        var vocab = Int("--vocab", "Vocabulary size.", defaults.Vocab);
        var hidden = Int("--hidden", "Hidden size.", defaults.Hidden);
        var intermediate = Int("--intermediate", "MLP width.", defaults.Intermediate);
        var layers = Int("--layers", "Decoder layers.", defaults.Layers);
        var heads = Int("--heads", "Attention heads.", defaults.Heads);
        var kvHeads = Int("--kv-heads", "Key/value heads (grouped-query attention).", defaults.KeyValueHeads);
        var batch = Int("--batch", "Prompts generated together (left-padded).", defaults.Batch);
        var prompt = Int("--prompt-tokens", "Tokens per prompt.", defaults.PromptTokens);
        var newTokens = Int("--new-tokens", "Tokens generated per prompt.", defaults.NewTokens);
        var trainBatch = Int("--train-batch", "Sequences per LoRA training step.", defaults.TrainBatch);
        var trainTokens = Int("--train-tokens", "Tokens per training sequence (half prompt, half output).", defaults.TrainTokens);
        var trainSteps = Int("--train-steps", "Training steps timed per run.", defaults.TrainSteps);
        var rank = Int("--rank", "LoRA rank on all seven projections.", defaults.Rank);
        var runs = Int("--runs", "Runs; the median is reported.", defaults.Runs);
        var threads = Int("--threads", "torch threads (0: torch's default).", 0);
        var device = new Option<string>("--device") { Description = "cpu, or cuda with the CUDA build of TorchSharp.", DefaultValueFactory = _ => "cpu" };

        var command = new Command("model",
            "Time a random-weight Mistral of the embedded bank's size: generation tokens/s with and without the KV cache, and LoRA training step time.");
        foreach (var option in new Option[] { vocab, hidden, intermediate, layers, heads, kvHeads, batch, prompt, newTokens, trainBatch, trainTokens, trainSteps, rank, runs, threads, device })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) > 0) TorchSharp.torch.set_num_threads(parse.GetValue(threads));
            var o = new ModelBenchmarkOptions
            {
                Vocab = parse.GetValue(vocab), Hidden = parse.GetValue(hidden), Intermediate = parse.GetValue(intermediate),
                Layers = parse.GetValue(layers), Heads = parse.GetValue(heads), KeyValueHeads = parse.GetValue(kvHeads),
                Batch = parse.GetValue(batch), PromptTokens = parse.GetValue(prompt), NewTokens = parse.GetValue(newTokens),
                TrainBatch = parse.GetValue(trainBatch), TrainTokens = parse.GetValue(trainTokens), TrainSteps = parse.GetValue(trainSteps),
                Rank = parse.GetValue(rank), Runs = parse.GetValue(runs), Device = MistralForCausalLM.ParseDevice(parse.GetValue(device)!),
            };
            var t = ModelBenchmark.Run(o);
            string Runs(IReadOnlyList<double> values) => string.Join(" ", values.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Mistral vocab {o.Vocab}, hidden {o.Hidden}, {o.Layers} layers, {o.Heads}/{o.KeyValueHeads} heads, MLP {o.Intermediate}: {t.Parameters / 1e6:F2} M parameters; LoRA r{o.Rank}: {t.LoraParameters / 1e3:F0} k; {TorchSharp.torch.get_num_threads()} torch threads, {o.Runs} runs"));
            Console.WriteLine($"batch {o.Batch}, {o.PromptTokens}-token prompts, {o.NewTokens} new tokens; training {o.TrainBatch} x {o.TrainTokens} tokens, AdamW");
            Console.WriteLine($"{"",-20} {"median",10} {"per CPU-s",10}  runs (wall clock)");
            void Line(string what, IReadOnlyList<double> wall, IReadOnlyList<double> cpu, string unit) =>
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{what,-20} {ModelTimings.Median(wall),10:F1} {ModelTimings.Median(cpu),10:F1}  {Runs(wall)}  {unit}"));
            Line("generate, KV cache", t.CachedTokensPerSecond, t.CachedTokensPerCpuSecond, "tokens/s");
            Line("generate, no cache", t.UncachedTokensPerSecond, t.UncachedTokensPerCpuSecond, "tokens/s");
            Line("LoRA training step", t.TrainStepMilliseconds, t.TrainStepCpuMilliseconds, "ms (CPU column: CPU-ms)");
            return 0;
        });
        return command;
    }

    private static Command Predict()
    {
        var adapters = new Option<int>("--adapters") { Description = "Bank size N: adapters written, then N predicted.", DefaultValueFactory = _ => 64 };
        var layers = new Option<int>("--layers") { Description = "Transformer layers (Mistral-7B: 32).", DefaultValueFactory = _ => 32 };
        var rank = new Option<int>("--rank") { Description = "LoRA rank r (the paper's bank: 16).", DefaultValueFactory = _ => 16 };
        var dtype = new Option<string>("--dtype") { Description = "Adapter dtype: F32, F16 or BF16.", DefaultValueFactory = _ => "F32" };
        var dir = new Option<string?>("--dir") { Description = "Scratch folder (default: a new folder under the system temp folder, deleted afterwards)." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the synthetic weights and coefficients.", DefaultValueFactory = _ => 0 };
        var outputs = new Option<int>("--outputs") { Description = "Predict only the first M adapters (0 = all N); the time per adapter is reported.", DefaultValueFactory = _ => 0 };
        var combine = new CombineOptions("The combiner timed: paper, linear-sqrt or delta.");

        var command = new Command("predict",
            "Write N synthetic adapters of Mistral-7B's r16 q_proj/v_proj shape, then time their N x N combination " +
            "with the streaming mixer; reports wall time, throughput and peak resident memory of the combination.");
        foreach (var option in new Option[] { adapters, layers, rank, dtype, dir, seed, outputs })
            command.Options.Add(option);
        combine.AddTo(command);
        command.SetAction(parse =>
        {
            var combiners = combine.Combiners(parse);
            if (combiners.Count != 1) throw new BadInputException("--combine takes one combiner for bench predict");
            if (!Safetensors.TryParseDType(parse.GetValue(dtype)!, out var type) || !type.IsFloat32Convertible())
                throw new BadInputException($"--dtype {parse.GetValue(dtype)}: expected F32, F16 or BF16");
            var shape = new MixerBenchmark.Shape(parse.GetValue(layers), parse.GetValue(rank), DType: type);
            var root = parse.GetValue(dir) ?? Directory.CreateTempSubdirectory("lora-bench-").FullName;
            try
            {
                var t = MixerBenchmark.Run(root, parse.GetValue(adapters), shape, parse.GetValue(seed), combiner: combiners[0], delta: combine.Delta(parse),
                    outputs: parse.GetValue(outputs));
                var gb = t.BytesPerAdapter * (double)t.Adapters / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Adapters} adapters x {t.BytesPerAdapter / 1e6:F1} MB ({gb:F2} GB), {Environment.ProcessorCount} threads"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"write bank     {t.WriteSeconds,8:F2} s"));
                if (t.CopySeconds > 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"copy bank      {t.CopySeconds,8:F2} s   {gb / t.CopySeconds:F2} GB/s read and written (the disk's pace); cpu {t.CopyCpuSeconds:F2} s"));
                if (t.CopySeconds > 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"combine        {t.MixSeconds,8:F2} s   {gb / t.MixSeconds:F2} GB/s read and written, {t.CopySeconds / t.MixSeconds:P0} of the copy's pace; cpu {t.MixCpuSeconds:F2} s"));
                else
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"combine        {t.MixSeconds,8:F2} s   cpu {t.MixCpuSeconds:F2} s"));
                if (combiners[0] == Combiner.Delta)
                {
                    // The textbook operation count makes runs of different shapes and top-k comparable.
                    var work = DeltaCost.Operations(PeftAdapter.Open(MixerBenchmark.BankFolders(Path.Combine(root, "bank"), 1)[0]), t.Adapters - 1, t.Outputs, combine.Delta(parse));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"delta work     {work:0.00e+0} floating-point operations (estimate), {work / t.MixCpuSeconds / 1e9:F1} G per CPU-second"));
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{combiners[0].Name()}: {t.Outputs} of {t.Adapters} outputs, {t.MixSeconds / t.Outputs:F3} s per output ({t.MixSeconds * t.Adapters / t.Outputs:F0} s for all {t.Adapters}, extrapolated when fewer were run)"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak RSS       {t.PeakRssBytes / 1e6,8:F0} MB (during the combination)"));
            }
            finally
            {
                if (parse.GetValue(dir) is null) Directory.Delete(root, recursive: true);
            }
            return 0;
        });
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

    private static Command Tokenize()
    {
        var model = new Option<string>("--model") { Description = "A SentencePiece BPE tokenizer.model (e.g. Mistral's).", Required = true };
        var tasks = new Option<int>("--tasks") { Description = "Synthetic tasks, tokenized in parallel as the stage does.", DefaultValueFactory = _ => 64 };
        var samples = new Option<int>("--samples") { Description = "Samples per task.", DefaultValueFactory = _ => 400 };
        var runs = new Option<int>("--runs") { Description = "Timed runs after one warm-up; the median is reported.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic samples.", DefaultValueFactory = _ => 0 };
        var upstream = new Option<bool>("--upstream") { Description = "Also time Microsoft.ML.Tokenizers' LlamaTokenizer (the former encoder) on the same samples." };
        var command = new Command("tokenize",
            "Time Tokenize's encoder on synthetic instruction-style samples: tokens/s and the time for the paper's ~55 M tokens.");
        foreach (var option in new Option[] { model, tasks, samples, runs, seed, upstream })
            command.Options.Add(option);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(model)!;
            var data = TokenizeBenchmark.Synthesize(parse.GetValue(tasks), parse.GetValue(samples), parse.GetValue(seed));
            var encoder = SentencePieceBpeTokenizer.Load(path);
            var encoders = new List<(string Name, Microsoft.ML.Tokenizers.Tokenizer Tokenizer)> { ("SentencePieceBpe", encoder) };
            if (parse.GetValue(upstream))
            {
                using var stream = File.OpenRead(path);
                encoders.Add(("LlamaTokenizer", Microsoft.ML.Tokenizers.LlamaTokenizer.Create(stream)));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{data.Count} tasks x {parse.GetValue(samples)} samples, {Environment.ProcessorCount} threads"));
            foreach (var (name, tokenizer) in encoders)
            {
                var t = TokenizeBenchmark.Time(tokenizer, data, encoder.VocabularySize, parse.GetValue(runs));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-17} {t.Tokens:N0} tokens ({t.Characters:N0} chars) in {t.MedianSeconds:F3} s median (CPU {t.MedianCpuSeconds:F3} s): {t.TokensPerSecond / 1e6:F2} M tokens/s, " +
                    $"55 M tokens in {55e6 / t.TokensPerSecond:F0} s; runs {string.Join(" ", t.Seconds.Select(s => s.ToString("F3", CultureInfo.InvariantCulture)))}"));
            }
            return 0;
        });
        return command;
    }
}
