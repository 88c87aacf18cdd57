using System.Collections.Concurrent;
using System.Threading.Channels;
using MetaLora.Model;

namespace MetaLora.Serving;

/// <summary>
/// The model's one thread and its queue. Requests arrive concurrently; each round takes the oldest
/// job and every waiting greedy job for the same model (adapter), up to <see cref="ModelServerOptions.BatchSize"/>
/// prompts, and generates them as one batch with the KV cache; each row ends at its own <c>max_tokens</c>.
/// Adapter loads and unloads are queued too, so a batch never sees an adapter change under it, and a job
/// never jumps ahead of an unload of its adapter. At most <c>maxPending</c> requests are in hand (waiting or
/// running); more are refused with 429. A job whose <see cref="GenerationJob.Cancellation"/> fires is answered
/// at once, never reaches the model if it was still waiting, and its rows stop at the next token if it was running.
/// </summary>
internal sealed class GenerationQueue : IDisposable
{
    private readonly MistralForCausalLM _model;
    private readonly int _batchSize;
    private readonly int _maxPending;
    private readonly Channel<object> _channel = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<string, LoraAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Registration> _visible = new(StringComparer.Ordinal);
    // Held while an adapter's name changes visibility and its load or unload is queued, so the model
    // thread applies them in the order the clients saw them, however many race on one name.
    private readonly Lock _order = new();
    private readonly Thread _thread;
    private readonly string _baseName;
    private int _pending;
    private int _running;
    private long _generatedTokens;

    /// <param name="model">The base model, used only by the queue's thread from now on.</param>
    /// <param name="baseName">The base model's name: jobs naming it run without an adapter.</param>
    /// <param name="batchSize">Most prompts per batch.</param>
    /// <param name="maxPending">Most requests (generations, loads, unloads) in hand at once.</param>
    public GenerationQueue(MistralForCausalLM model, string baseName, int batchSize, int maxPending)
    {
        _model = model;
        _baseName = baseName;
        _batchSize = batchSize;
        _maxPending = maxPending;
        // Deep modules recurse: the same 16 MB stacks as Infer's workers.
        _thread = new Thread(Loop, maxStackSize: 16 << 20) { Name = "lora serve: model", IsBackground = true };
        _thread.Start();
    }

    /// <summary>Adapters that requests may name now, with the folder each was loaded from.</summary>
    public IReadOnlyDictionary<string, string> Adapters => _visible.ToDictionary(a => a.Key, a => a.Value.Folder, StringComparer.Ordinal);

    /// <summary>Whether requests may name <paramref name="name"/> now.</summary>
    public bool Serves(string name) => name == _baseName || _visible.ContainsKey(name);

    /// <summary>Requests in hand: waiting for the model or on it.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Requests in the batch on the model now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Tokens generated so far, counting every row, also those of requests cancelled midway.</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);

    public async Task<int[][]> GenerateAsync(GenerationJob job)
    {
        Reserve();
        try
        {
            using var registration = job.Cancellation.Register(static state =>
            {
                var cancelled = (GenerationJob)state!;
                cancelled.Result.TrySetCanceled(cancelled.Cancellation);
            }, job);
            if (!_channel.Writer.TryWrite(job)) throw ServeException.ShuttingDown("the server is shutting down");
            return await job.Result.Task;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Loads the PEFT adapter in <paramref name="folder"/> under <paramref name="name"/> (a bad adapter fails with its one-line reason).</summary>
    public async Task LoadAsync(string name, string folder)
    {
        Reserve();
        try
        {
            var registration = new Registration(folder);
            Task done;
            lock (_order)
            {
                if (!_visible.TryAdd(name, registration)) throw ServeException.BadRequest($"The lora adapter '{name}' has already been loaded.", "lora_name");
                done = Enqueue(new ModelAction(() => Load(name, registration)));
            }
            await done;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Stops new requests for the adapter at once; it is disposed after the requests queued before.</summary>
    public async Task UnloadAsync(string name)
    {
        Reserve();
        try
        {
            Task done;
            lock (_order)
            {
                if (!_visible.TryRemove(name, out _)) throw new ServeException(404, "NotFoundError", $"The lora adapter '{name}' cannot be found.", "lora_name");
                done = Enqueue(new ModelAction(() =>
                {
                    if (_adapters.Remove(name, out var adapter)) adapter.Dispose();
                }));
            }
            await done;
        }
        finally
        {
            Release();
        }
    }

    private void Reserve()
    {
        if (Interlocked.Increment(ref _pending) <= _maxPending) return;
        Interlocked.Decrement(ref _pending);
        throw new ServeException(429, "RateLimitError", $"the server has {_maxPending} requests in hand (--max-concurrent-requests); retry shortly")
        {
            RetryAfterSeconds = 1,
        };
    }

    private void Release() => Interlocked.Decrement(ref _pending);

    private Task Enqueue(ModelAction action) =>
        _channel.Writer.TryWrite(action) ? action.Done.Task : throw ServeException.ShuttingDown("the server is shutting down");

    /// <summary>On the model's thread, in queue order.</summary>
    private void Load(string name, Registration registration)
    {
        try
        {
            var adapter = LoraAdapter.Load(registration.Folder, _model);
            if (_adapters.Remove(name, out var old)) old.Dispose();
            _adapters[name] = adapter;
        }
        catch
        {
            // Only this load's entry: an unload and a new load of the name may have come since.
            lock (_order) _visible.TryRemove(new KeyValuePair<string, Registration>(name, registration));
            throw;
        }
    }

    private void Loop()
    {
        var waiting = new List<object>();
        while (true)
        {
            if (waiting.Count == 0 && !_channel.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) return;
            while (_channel.Reader.TryRead(out var item)) waiting.Add(item);
            // A job nobody waits for any more never reaches the model.
            waiting.RemoveAll(w => w is GenerationJob { Cancellation.IsCancellationRequested: true });
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
            var batch = NextBatch(waiting);
            foreach (var job in batch) waiting.Remove(job);
            Run(batch);
        }
    }

    /// <summary>The oldest job, and with a greedy one every greedy job for the same model (and ignore_eos) queued before the next load or unload, up to the batch size.</summary>
    private List<GenerationJob> NextBatch(List<object> waiting)
    {
        var head = (GenerationJob)waiting[0];
        var batch = new List<GenerationJob> { head };
        if (!head.Greedy) return batch;
        var rows = head.Prompts.Count;
        foreach (var job in waiting.Skip(1).TakeWhile(w => w is GenerationJob).Cast<GenerationJob>())
        {
            if (job.Model != head.Model || !job.Greedy || job.IgnoreEos != head.IgnoreEos || rows + job.Prompts.Count > _batchSize) continue;
            batch.Add(job);
            rows += job.Prompts.Count;
        }
        return batch;
    }

    private void Run(List<GenerationJob> batch)
    {
        var head = batch[0];
        // Row r belongs to owners[r]: it ends at that request's max_tokens, or as soon as the request is cancelled.
        var owners = batch.SelectMany(j => j.Prompts.Select(_ => j)).ToArray();
        var rowInJob = batch.SelectMany(j => Enumerable.Range(0, j.Prompts.Count)).ToArray();
        Volatile.Write(ref _running, batch.Count);
        try
        {
            LoraAdapter? adapter = null;
            // An adapter unloaded after the request was accepted is gone by now.
            if (head.Model != _baseName && !_adapters.TryGetValue(head.Model, out adapter)) throw ServeException.UnknownModel(head.Model);
            _model.SetAdapter(adapter);
            var options = new GenerationOptions
            {
                MaxNewTokens = batch.Max(j => j.MaxTokens),
                Temperature = head.Temperature,
                TopP = head.TopP,
                Seed = head.Seed,
                EosTokenIds = head.IgnoreEos ? Array.Empty<int>() : null,
                // The job sees every token first, the last one before max_tokens included.
                EndRow = (row, tokens) => owners[row].OnToken?.Invoke(rowInJob[row], tokens) == true
                                          || tokens.Count >= owners[row].MaxTokens || owners[row].Cancellation.IsCancellationRequested,
            };
            var outputs = Generation.Generate(_model, batch.SelectMany(j => j.Prompts).ToArray(), options);
            Interlocked.Add(ref _generatedTokens, outputs.Sum(o => (long)o.Length));
            var row = 0;
            foreach (var job in batch)
            {
                job.Result.TrySetResult(outputs[row..(row + job.Prompts.Count)]);
                row += job.Prompts.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var job in batch) job.Result.TrySetException(e);
        }
        finally
        {
            _model.SetAdapter(null);
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose()
    {
        _channel.Writer.TryComplete();
        _thread.Join();
        foreach (var adapter in _adapters.Values) adapter.Dispose();
    }

    /// <summary>One load of a name; compared by reference, so a failed load removes only its own entry.</summary>
    private sealed class Registration(string folder)
    {
        public string Folder { get; } = folder;
    }
}
