using System.Diagnostics;
using MetaLora.Formats;
using MetaLora.Model;

namespace MetaLora.Cli.Bench;

/// <summary>
/// Times a random-weight Mistral of the embedded bank's size on the CPU: greedy generation with and
/// without the KV cache (EOS disabled so every run makes the same number of tokens) and LoRA training
/// steps (r on all seven projections, AdamW). Uses torch's current thread count.
/// </summary>
internal static class ModelBenchmark
{
    public static ModelTimings Run(ModelBenchmarkOptions o)
    {
        if (o.Runs < 1 || o.Batch < 1 || o.PromptTokens < 1 || o.NewTokens < 1 || o.TrainBatch < 1 || o.TrainTokens < 2 || o.TrainSteps < 1)
            throw new BadInputException("bench model: runs, batch, token counts and steps must be positive (train tokens at least 2)");
        var config = MistralConfig.Create(o.Vocab, o.Hidden, o.Intermediate, o.Layers, o.Heads, o.KeyValueHeads, maxPositionEmbeddings: 4096);
        using var model = MistralForCausalLM.Create(config, o.Seed, device: o.Device);
        var random = new Random(unchecked((int)o.Seed));
        // Prompts of slightly different lengths, so batches exercise the padding path.
        var prompts = Enumerable.Range(0, o.Batch)
            .Select(b => (IReadOnlyList<int>)[1, .. Enumerable.Range(0, Math.Max(0, o.PromptTokens - 1 - b % 4)).Select(_ => random.Next(3, o.Vocab))])
            .ToArray();
        var examples = Enumerable.Range(0, o.TrainBatch * 4).Select(_ =>
        {
            var tokens = Enumerable.Range(0, o.TrainTokens).Select(_ => random.Next(3, o.Vocab)).ToArray();
            return new TrainingExample(tokens[..(o.TrainTokens / 2)], tokens[(o.TrainTokens / 2)..]);
        }).ToArray();
        var loraConfig = AdapterConfig.Create(PeftAdapter.ConfigFileName, o.Rank, 2 * o.Rank, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]);
        using var adapter = LoraAdapter.Create(model, loraConfig, o.Seed);

        var (cached, cachedCpu, uncached, uncachedCpu, train, trainCpu) = (new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var run = 0; run < o.Runs; run++)
        {
            model.SetAdapter(null);
            var (wall, cpu) = Time(() => Generation.Generate(model, prompts, new GenerationOptions { MaxNewTokens = o.NewTokens, UseKvCache = true, EosTokenIds = [] }));
            var tokens = (double)prompts.Length * o.NewTokens; // EOS is disabled, so every prompt gets all its tokens
            cached.Add(tokens / wall);
            cachedCpu.Add(tokens / cpu);
            (wall, cpu) = Time(() => Generation.Generate(model, prompts, new GenerationOptions { MaxNewTokens = o.NewTokens, UseKvCache = false, EosTokenIds = [] }));
            uncached.Add(tokens / wall);
            uncachedCpu.Add(tokens / cpu);
            (wall, cpu) = Time(() => Trainer.TrainLora(model, adapter, examples, new TrainingOptions { Steps = o.TrainSteps, BatchSize = o.TrainBatch, LearningRate = 1e-4, Seed = o.Seed + run }));
            train.Add(wall * 1000 / o.TrainSteps);
            trainCpu.Add(cpu * 1000 / o.TrainSteps);
        }
        var parameters = model.parameters().Sum(p => p.NumberOfElements);
        var loraParameters = adapter.NamedParameters().Sum(p => p.Parameter.NumberOfElements);
        return new ModelTimings(cached, uncached, train, parameters, loraParameters)
        {
            CachedTokensPerCpuSecond = cachedCpu, UncachedTokensPerCpuSecond = uncachedCpu, TrainStepCpuMilliseconds = trainCpu,
        };
    }

    /// <summary>Wall-clock and process CPU seconds of <paramref name="work"/>.</summary>
    private static (double Wall, double Cpu) Time(Action work)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        work();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalSeconds);
    }
}
