using System.Diagnostics;
using System.Text;
using MetaLora.Bank;
using MetaLora.Repro;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference.OpenAi;

/// <summary>
/// Infer on an OpenAI-compatible server (<c>--engine openai</c>): every test prompt goes to
/// <c>/v1/completions</c> as the paper's inference has it (the raw input, no chat template,
/// temperature 0, <c>max_tokens</c> = --max-new-tokens or the bank's), with <c>model</c> = the base model for the
/// base pipeline, else the task's adapter, registered by its path through vLLM's
/// <c>load_lora_adapter</c> and unloaded after its task. Up to <see cref="OpenAiServerOptions.Concurrency"/>
/// requests are in flight so that the server batches them; a few tasks run at once so that a task's
/// last requests do not leave the server idle. The output files, the per-task resume and the
/// shards are those of local Infer; a task's key names the server's model (its name and root)
/// instead of the local build.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal static class OpenAiInfer
{
    /// <summary>
    /// Tasks (adapters) in flight at once: the server's adapter slots (vLLM's --max-loras) should
    /// hold this many, or the server takes them in turns.
    /// </summary>
    public const int TasksInFlight = 4;

    public static InferSummary Run(InferWork work, OpenAiServerOptions server, IProgress<int>? progress, Action<string>? log)
    {
        if (server.Concurrency < 1) throw new BadInputException($"--concurrency={server.Concurrency}: expected a whole number >= 1");
        if (!ApiKeyVariable.IsValid(server.ApiKeyVariable))
            throw new BadInputException($"--api-key-env={server.ApiKeyVariable}: expected an environment variable's name (letters, digits, _)");
        var paths = ServerPathMap.Parse(server.PathMaps);
        var key = Environment.GetEnvironmentVariable(server.ApiKeyVariable);
        using var client = new OpenAiClient(server.Endpoint, key, server.ApiKeyVariable, server.Retry, log);
        return RunAsync(work, server, paths, client, progress, log).GetAwaiter().GetResult();
    }

    private static async Task<InferSummary> RunAsync(InferWork work, OpenAiServerOptions server, ServerPathMap paths, OpenAiClient client,
        IProgress<int>? progress, Action<string>? log)
    {
        var (bank, layout, _, pipeline, tasks, options) = work;
        var models = await client.ModelsAsync();
        var baseModel = ChooseBase(client.Endpoint, models, server.ServedModel);

        var hashes = work.NewHashCache();
        var ledger = new ItemLedger(work.ItemsDir);
        var modelKey = ModelKey(work, baseModel);
        var keys = tasks.ToDictionary(t => t, t => InferKeys.Item(bank, layout, pipeline, t, modelKey, hashes));
        var pending = tasks.Where(t => options.Force || !ledger.IsDone(t, keys[t], work.OutputFile(t))).ToArray();
        var done = tasks.Count - pending.Length;
        progress?.Report(done);
        if (pending.Length == 0)
        {
            hashes.Save();
            return new InferSummary(tasks.Count, 0, tasks.Count, 0, 0);
        }

        var adapters = new ServerAdapters(client, paths, models, baseModel);
        // The first task's adapter is registered before anything is written: a server that cannot load
        // adapters, or cannot see them, fails the run with nothing changed.
        var first = await adapters.AcquireAsync(work, pending[0], CancellationToken.None);
        Directory.CreateDirectory(work.ItemsDir);
        hashes.Save();
        work.PrepareOutputs();
        using var run = new ServerRun(work, client, adapters, ledger, keys, pending, first, server.Concurrency, done, progress, log);
        await run.RunWorkersAsync();
        return new InferSummary(tasks.Count, pending.Length, tasks.Count - pending.Length, run.Samples, 0);
    }

    /// <summary>What the outputs depend on besides the inputs: the engine's code, the served model and the token limit.</summary>
    private static string ModelKey(InferWork work, ServedModel baseModel) =>
        new StringBuilder("infer-openai 1\n")
            .Append(InferKeys.Code(new Dictionary<string, string> { ["engine"] = "openai" })).Append('\n')
            .Append($"served_model={baseModel.Id}\troot={baseModel.Root}\n")
            .Append($"max_new_tokens={work.MaxNewTokens}\n").ToString();

    /// <summary>
    /// The pending tasks of one run, taken in order by up to <see cref="TasksInFlight"/> workers that share
    /// the request slots; the first failure cancels the rest.
    /// </summary>
    private sealed class ServerRun(InferWork work, OpenAiClient client, ServerAdapters adapters, ItemLedger ledger,
        IReadOnlyDictionary<string, string> keys, string[] pending, string first, int concurrency, int done,
        IProgress<int>? progress, Action<string>? log) : IDisposable
    {
        private readonly SemaphoreSlim requests = new(concurrency);
        private readonly CancellationTokenSource stop = new();
        private int samples;
        private int next;
        private int done = done;

        /// <summary>Test samples answered so far.</summary>
        public int Samples => samples;

        public async Task RunWorkersAsync()
        {
            var workers = Enumerable.Range(0, Math.Min(TasksInFlight, pending.Length)).Select(async _ =>
            {
                try
                {
                    await WorkerAsync();
                }
                catch
                {
                    // The first failure stops the others; in-flight requests are cancelled.
                    await stop.CancelAsync();
                    throw;
                }
            }).ToArray();
            try
            {
                await Task.WhenAll(workers);
            }
            catch
            {
                var failure = workers.Where(w => w.IsFaulted).Select(w => w.Exception!.InnerException!)
                    .FirstOrDefault(e => e is not OperationCanceledException) ?? workers.First(w => w.IsFaulted || w.IsCanceled).Exception?.InnerException;
                if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
                throw;
            }
        }

        private async Task WorkerAsync()
        {
            for (var k = Interlocked.Increment(ref next) - 1; k < pending.Length && !stop.IsCancellationRequested; k = Interlocked.Increment(ref next) - 1)
                await RunTaskAsync(k);
        }

        /// <summary>Every test sample of the k-th pending task, its outputs written and marked done; its adapter released after.</summary>
        private async Task RunTaskAsync(int k)
        {
            var task = pending[k];
            var clock = Stopwatch.StartNew();
            var model = k == 0 ? first : await adapters.AcquireAsync(work, task, stop.Token);
            try
            {
                var test = Dataset.ReadSplit(work.Bank.DatasetDir(task), "test");
                var predictions = await Task.WhenAll(test.Select(sample => CompleteAsync(task, model, sample.Input)));
                InferOutputs.Write(work.OutputFile(task), test, predictions);
                ledger.MarkDone(task, keys[task], work.OutputFile(task));
                Interlocked.Add(ref samples, test.Count);
                progress?.Report(Interlocked.Increment(ref done));
                if (clock.Elapsed.TotalSeconds >= 10)
                    log?.Invoke($"{work.Pipeline.StageName()}: {task}: {test.Count} samples in {clock.Elapsed.TotalSeconds:0.0} s");
            }
            finally
            {
                await adapters.ReleaseAsync(task, log);
            }
        }

        /// <summary>One sample input's completion, within a request slot.</summary>
        private async Task<string> CompleteAsync(string task, string model, string input)
        {
            await requests.WaitAsync(stop.Token);
            try
            {
                var completion = await client.CompleteAsync(model, input, work.MaxNewTokens, stop.Token)
                                 // A restarted server forgets adapters loaded at run time: load it again, once.
                                 ?? (await adapters.ReacquireAsync(work, task, model, stop.Token) is { } again
                                     ? await client.CompleteAsync(again, input, work.MaxNewTokens, stop.Token) : null)
                                 ?? throw new BadInputException($"{client.Endpoint}: POST /v1/completions: the server does not know model '{model}'");
                // As local Infer: the continuation without surrounding white space.
                return completion.Text.Trim();
            }
            finally
            {
                requests.Release();
            }
        }

        public void Dispose()
        {
            stop.Dispose();
            requests.Dispose();
        }
    }

    /// <summary>The named model, else the one entry without a parent (adapters name their base as parent).</summary>
    internal static ServedModel ChooseBase(string endpoint, IReadOnlyList<ServedModel> models, string? named)
    {
        var names = string.Join(", ", models.Select(m => m.Id));
        if (named is not null)
            return models.FirstOrDefault(m => m.Id == named)
                   ?? throw new BadInputException($"{endpoint}: the server does not serve model '{named}'; it serves: {(names.Length > 0 ? names : "nothing")}");
        var bases = models.Where(m => m.Parent is null).ToArray();
        return bases.Length switch
        {
            1 => bases[0],
            0 => throw new BadInputException($"{endpoint}: the server lists no base model; it serves: {(names.Length > 0 ? names : "nothing")}"),
            _ => throw new BadInputException($"{endpoint}: the server lists several models ({names}); name the base model with --served-model"),
        };
    }
}
