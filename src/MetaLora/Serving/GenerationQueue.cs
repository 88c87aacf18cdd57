using System.Collections.Concurrent;
using System.Threading.Channels;
using MetaLora.Model;

namespace MetaLora.Serving;

/// <summary>
/// The model's one thread and its queue. Requests arrive concurrently; each round takes the oldest
/// job and every waiting greedy job for the same model (adapter), up to <see cref="ModelServerOptions.BatchSize"/>
/// prompts, and generates them as one batch with the KV cache; a batch runs to the largest
/// <c>max_tokens</c> among them and each answer is cut to its own. Adapter loads and unloads are queued
/// too, so a batch never sees an adapter change under it, and a job never jumps ahead of an unload of its adapter.
/// </summary>
internal sealed class GenerationQueue : IDisposable
{
    private readonly MistralForCausalLM _model;
    private readonly int _batchSize;
    private readonly Channel<object> _channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, LoraAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _visible = new(StringComparer.Ordinal);
    private readonly Thread _thread;
    private readonly string _baseName;

    /// <param name="model">The base model, used only by the queue's thread from now on.</param>
    /// <param name="baseName">The base model's name: jobs naming it run without an adapter.</param>
    /// <param name="batchSize">Most prompts per batch.</param>
    public GenerationQueue(MistralForCausalLM model, string baseName, int batchSize)
    {
        _model = model;
        _baseName = baseName;
        _batchSize = batchSize;
        // Deep modules recurse: the same 16 MB stacks as Infer's workers.
        _thread = new Thread(Loop, maxStackSize: 16 << 20) { Name = "lora serve: model", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Adapters that requests may name now, with the folder each was loaded from.</summary>
    public IReadOnlyDictionary<string, string> Adapters => _visible;

    public Task<int[][]> GenerateAsync(GenerationJob job)
    {
        if (!_channel.Writer.TryWrite(job)) throw new ServeException(503, "ServiceUnavailableError", "the server is shutting down");
        return job.Result.Task;
    }

    /// <summary>Loads the PEFT adapter in <paramref name="folder"/> under <paramref name="name"/> (a bad adapter fails with its one-line reason).</summary>
    public async Task LoadAsync(string name, string folder)
    {
        if (!_visible.TryAdd(name, folder)) throw ServeException.BadRequest($"The lora adapter '{name}' has already been loaded.", "lora_name");
        try
        {
            await RunAsync(() => _adapters[name] = LoraAdapter.Load(folder, _model));
        }
        catch
        {
            _visible.TryRemove(name, out _);
            throw;
        }
    }

    /// <summary>Stops new requests for the adapter at once; it is disposed after the requests queued before.</summary>
    public async Task UnloadAsync(string name)
    {
        if (!_visible.TryRemove(name, out _)) throw new ServeException(404, "NotFoundError", $"The lora adapter '{name}' cannot be found.", "lora_name");
        await RunAsync(() =>
        {
            if (_adapters.Remove(name, out var adapter)) adapter.Dispose();
        });
    }

    private Task RunAsync(Action action)
    {
        var item = new ModelAction(action);
        if (!_channel.Writer.TryWrite(item)) throw new ServeException(503, "ServiceUnavailableError", "the server is shutting down");
        return item.Done.Task;
    }

    private void Loop()
    {
        var waiting = new List<object>();
        while (true)
        {
            if (waiting.Count == 0)
            {
                if (!_channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return;
            }
            while (_channel.Reader.TryRead(out var item)) waiting.Add(item);
            if (waiting.Count == 0) continue;

            if (waiting[0] is ModelAction action)
            {
                waiting.RemoveAt(0);
                try
                {
                    action.Run();
                    action.Done.SetResult();
                }
                catch (Exception e)
                {
                    action.Done.SetException(e);
                }
                continue;
            }

            var head = (GenerationJob)waiting[0];
            var batch = new List<GenerationJob> { head };
            var rows = head.Prompts.Count;
            if (head.Greedy)
                // Only jobs queued before the next load or unload may join.
                foreach (var job in waiting.Skip(1).TakeWhile(w => w is GenerationJob).Cast<GenerationJob>())
                {
                    if (job.Model != head.Model || !job.Greedy || rows + job.Prompts.Count > _batchSize) continue;
                    batch.Add(job);
                    rows += job.Prompts.Count;
                }
            foreach (var job in batch) waiting.Remove(job);
            Run(batch);
        }
    }

    private void Run(List<GenerationJob> batch)
    {
        var head = batch[0];
        try
        {
            LoraAdapter? adapter = null;
            // An adapter unloaded after the request was accepted is gone by now.
            if (head.Model != _baseName && !_adapters.TryGetValue(head.Model, out adapter)) throw ServeException.UnknownModel(head.Model);
            _model.SetAdapter(adapter);
            var prompts = batch.SelectMany(j => j.Prompts).ToArray();
            var options = new GenerationOptions
            {
                MaxNewTokens = batch.Max(j => j.MaxTokens),
                Temperature = head.Temperature,
                TopP = head.TopP,
                Seed = head.Seed,
            };
            var outputs = Generation.Generate(_model, prompts, options);
            var row = 0;
            foreach (var job in batch)
            {
                var mine = new int[job.Prompts.Count][];
                for (var p = 0; p < mine.Length; p++, row++)
                    mine[p] = outputs[row].Length > job.MaxTokens ? outputs[row][..job.MaxTokens] : outputs[row];
                job.Result.SetResult(mine);
            }
        }
        catch (Exception e)
        {
            foreach (var job in batch) job.Result.TrySetException(e);
        }
        finally
        {
            _model.SetAdapter(null);
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join();
        foreach (var adapter in _adapters.Values) adapter.Dispose();
    }
}
