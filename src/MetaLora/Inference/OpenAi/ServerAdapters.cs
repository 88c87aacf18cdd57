using System.Collections.Concurrent;
using System.Net;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Inference.OpenAi;

/// <summary>
/// The adapters one Infer run registers on the server. A task's adapter is named
/// <c>&lt;pipeline&gt;.&lt;task&gt;</c> (e.g. <c>finetuned.task022_cosmosqa_passage_inappropriate_binary</c>),
/// so a server started with <c>--lora-modules</c> under those names needs no run-time loading. An
/// adapter this run loaded is unloaded after its task, keeping the server's memory bounded; one the
/// server was started with is left alone.
/// </summary>
[StageVariant(InferEngineNames.Parameter, InferEngineNames.OpenAi)]
internal sealed class ServerAdapters(OpenAiClient client, ServerPathMap paths, IReadOnlyList<ServedModel> listed, ServedModel baseModel)
{
    private readonly ConcurrentDictionary<string, string> _ours = new(StringComparer.Ordinal);

    public static string Name(InferPipeline pipeline, string task) => $"{pipeline.Name}.{task}";

    /// <summary>The <c>model</c> to send for the task's prompts, its adapter registered first.</summary>
    public async Task<string> AcquireAsync(InferWork work, string task, CancellationToken ct)
    {
        if (work.Pipeline.AdapterDir(work.Bank, work.Layout, task) is not { } dir) return baseModel.Id;
        var name = Name(work.Pipeline, task);
        var remote = paths.ToServer(dir);
        // Listed already: loaded at start-up (kept as it is), or at run time by an earlier run (loaded
        // again, as the files may have changed since).
        if (listed.Any(m => m.Id == name) && !await client.UnloadAdapterAsync(name, ct)) return name;
        await LoadAsync(name, remote, ct);
        _ours[task] = name;
        return name;
    }

    /// <summary>After the server answered 404 for the task's adapter (a restarted server): registers it again; null for the base model.</summary>
    public async Task<string?> ReacquireAsync(InferWork work, string task, string model, CancellationToken ct)
    {
        if (model == baseModel.Id || work.Pipeline.AdapterDir(work.Bank, work.Layout, task) is not { } dir) return null;
        await LoadAsync(model, paths.ToServer(dir), ct);
        _ours[task] = model;
        return model;
    }

    /// <summary>Unloads the task's adapter if this run loaded it; a failure is only logged (the server keeps it).</summary>
    public async Task ReleaseAsync(string task, Action<string>? log)
    {
        if (!_ours.TryRemove(task, out var name)) return;
        try
        {
            if (!await client.UnloadAdapterAsync(name)) log?.Invoke($"{client.Endpoint}: could not unload adapter '{name}'; the server keeps it");
        }
        catch (BadInputException e)
        {
            log?.Invoke($"could not unload adapter '{name}': {e.Message}");
        }
    }

    private async Task LoadAsync(string name, string remote, CancellationToken ct)
    {
        var (status, message) = await client.LoadAdapterAsync(name, remote, ct);
        if (status == HttpStatusCode.OK) return;
        // Loaded by someone meanwhile (another shard, or a retried request that had succeeded).
        if (status == HttpStatusCode.BadRequest && message.Contains("already", StringComparison.OrdinalIgnoreCase)) return;
        if (status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed && !message.Contains(remote, StringComparison.Ordinal))
            throw new BadInputException(
                $"{client.Endpoint}: the server does not load adapters at run time (POST /v1/load_lora_adapter: HTTP {(int)status}) and does not serve '{name}'; " +
                $"start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True in its environment, or with --lora-modules {name}={remote} " +
                "(one per adapter, named <pipeline>.<task>); lora serve loads at run time unless started with --no-runtime-loading");
        var allowed = status == HttpStatusCode.Forbidden
            ? " and be allowed to load from it (lora serve: start it with --allow-adapter-dir for the folder)"
            : "";
        throw new BadInputException(
            $"{client.Endpoint}: the server could not load adapter '{name}' from {remote} (HTTP {(int)status}: {message}); " +
            $"it must read the adapter's folder at that path{allowed}: if it mounts the folders elsewhere, give --server-path-map LOCAL=REMOTE");
    }
}
