using System.Text.Json;
using MetaLora.Model;
using TorchSharp;

namespace MetaLora.Bank.Embedded;

/// <summary>
/// The bank's own sanity check, before the pipeline's Infer/Evaluate stages exist: greedy generation on
/// every task's test split with the base model and with the task's adapter, scored with
/// <see cref="SimpleRougeL"/>. Prompts are the raw inputs with BOS, as the paper's inference does.
/// </summary>
internal static class BankEvaluation
{
    /// <param name="bankDir">The bank folder (bank.json, the base model, the adapters and datasets).</param>
    /// <param name="limit">Evaluate the first this many tasks in bank order; 0 = all.</param>
    /// <param name="maxNewTokens">Longest continuation generated per prompt.</param>
    /// <param name="workers">Model copies evaluating tasks in parallel (one torch thread each).</param>
    /// <param name="log">Receives one line per finished task.</param>
    /// <param name="adapterRoot">Where the "finetuned" adapters are (<c>&lt;root&gt;/&lt;task&gt;/</c>, e.g. a Predict output); null for the bank's own.</param>
    public static IReadOnlyList<TaskScore> Run(string bankDir, int limit, int maxNewTokens, int workers, Action<string>? log = null, string? adapterRoot = null)
    {
        var bank = BankInfo.Load(bankDir);
        var families = Families(bank);
        var tasks = bank.Take(limit);
        var modelDir = Path.Combine(bank.Directory, bank.BaseModel ?? EmbeddedBankBuilder.BaseModelDir);
        torch.set_num_threads(1);
        using var hold = FinalizerHold.Start();
        var scores = new TaskScore[tasks.Count];
        workers = Math.Max(1, Math.Min(workers, tasks.Count));
        ModelWorkers.Run(workers, w =>
        {
            using var model = MistralCheckpoint.Load(modelDir);
            var tokenizer = ModelTokenizer.FromFolder(modelDir, model.Config);
            for (var k = w; k < tasks.Count; k += workers)
            {
                var task = tasks[k];
                var test = Dataset.ReadSplit(bank.DatasetDir(task), "test");
                var prompts = test.Select(s => (IReadOnlyList<int>)tokenizer.EncodeToIds(s.Input)).ToArray();
                var options = new GenerationOptions { MaxNewTokens = maxNewTokens };
                var basePredictions = Generation.Generate(model, prompts, options).Select(ids => tokenizer.Decode(ids)).ToArray();
                string[] tuned;
                using (var adapter = LoraAdapter.Load(adapterRoot is null ? bank.AdapterDir(task) : Path.Combine(adapterRoot, task), model))
                {
                    model.SetAdapter(adapter);
                    tuned = Generation.Generate(model, prompts, options).Select(ids => tokenizer.Decode(ids)).ToArray();
                    model.SetAdapter(null);
                }
                var references = test.Select(s => s.Output[0]).ToArray();
                double Mean(string[] predictions) => references.Select((r, i) => SimpleRougeL.FMeasure(r, predictions[i])).DefaultIfEmpty(0).Average();
                scores[k] = new TaskScore(task, families.GetValueOrDefault(task, "?"), Mean(basePredictions), Mean(tuned),
                    references.Select((r, i) => (r, basePredictions[i], tuned[i])).Take(3).ToArray());
                log?.Invoke($"{task}: base {EmbeddedBankBuilder.Format(scores[k].Base)}, finetuned {EmbeddedBankBuilder.Format(scores[k].Finetuned)}");
            }
        });
        return scores;
    }

    /// <summary>bank.json's optional "families" map (the embedded bank writes it); other banks report one family "?".</summary>
    private static Dictionary<string, string> Families(BankInfo bank)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(bank.JsonPath));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (doc.RootElement.TryGetProperty("families", out var map) && map.ValueKind == JsonValueKind.Object)
            foreach (var entry in map.EnumerateObject())
                if (entry.Value.ValueKind == JsonValueKind.String) result[entry.Name] = entry.Value.GetString()!;
        return result;
    }
}
