using System.Text.Json;
using MetaLora.Formats;
using MetaLora.Hub;
using MetaLora.IO;

namespace MetaLora.Bank;

/// <summary>
/// Materialises a Hugging Face bank into the bank contract: <c>adapters/&lt;task&gt;/</c> (PEFT config and
/// safetensors), <c>datasets/&lt;task&gt;/</c> (the dataset repo's train/valid/test splits, parquet or
/// JSON lines), <c>base_model/</c> (config and tokenizer; the weights on request) and, last, once every
/// file is verified, <c>bank.json</c> with the commit every repo was fetched at. Rerunning skips
/// verified files and, with the listings cached per commit, needs no network when nothing is missing.
/// </summary>
internal sealed class BankFetch(HubClient client, Action<string>? log = null)
{
    /// <summary>Free bytes for a folder (replaceable in tests); null when unknown.</summary>
    public Func<string, long?> FreeSpace { get; init; } = DiskSpace.Free;

    private static readonly string[] BaseModelSmallFiles =
        ["config.json", "generation_config.json", "tokenizer.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    private static readonly string[] Splits = ["train", "valid", "validation", "test"];

    private sealed record Planned(HubRepo Repo, HubFile File, string Target);

    public async Task<FetchSummary> RunAsync(IReadOnlyList<BankSource> bank, string bankName, HubRepo baseModel, int vocabSize,
        FetchOptions options, IProgress<DownloadProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.Limit);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Jobs, 1);
        var bankDir = Path.GetFullPath(options.BankDir);
        Directory.CreateDirectory(bankDir);
        var sources = options.Limit == 0 || options.Limit >= bank.Count ? bank : bank.Take(options.Limit).ToArray();
        var state = FetchState.Load(bankDir);
        foreach (var (key, commit) in PinsInBankJson(Path.Combine(bankDir, BankInfo.FileName))) state.Pins[key] = commit;

        // 1. Every repo's commit and file list (cached per commit, so only new repos cost requests).
        var repos = new List<HubRepo> { baseModel };
        foreach (var s in sources) { repos.Add(s.Adapter); repos.Add(s.Dataset); }
        var gate = new object();
        var (commits, listings) = await ResolveAsync(repos, state, options, gate, ct);
        state.Save(bankDir);

        // 2. The files of the bank contract, and which of them are already in place.
        var plan = PlanFiles(baseModel, sources, listings, bankDir, options.IncludeBaseModelWeights);
        var (missing, keptBytes) = FindMissing(plan, commits, state, bankDir);
        RemoveStaleFiles(bankDir, sources, plan);
        state.Save(bankDir);

        // 3. Download what is missing, if it fits.
        await DownloadAsync(missing, plan.Count - missing.Count, keptBytes, state, bankDir, gate, options.Jobs, progress, ct);

        // 4. The contract holds before bank.json says the bank exists.
        foreach (var s in sources) Dataset.SplitFiles(Path.Combine(bankDir, "datasets", s.Task), "train");
        AdapterBank.CheckConsistent(sources.Select(s => Path.Combine(bankDir, "adapters", s.Task)).ToArray());
        var bankJson = Path.Combine(bankDir, BankInfo.FileName);
        AtomicFile.WriteAllBytes(bankJson, BankJson(bankName, baseModel, vocabSize, sources, commits, options.IncludeBaseModelWeights));
        return new FetchSummary(sources.Count, missing.Count, plan.Count - missing.Count, missing.Sum(m => m.File.Size), bankJson);
    }

    /// <summary>
    /// Each repo's commit (the pinned one unless a revision is asked for) and its file list, from the
    /// state's cache when it has that commit's; both recorded in the state.
    /// </summary>
    private async Task<(Dictionary<HubRepo, string> Commits, Dictionary<HubRepo, IReadOnlyList<HubFile>> Listings)> ResolveAsync(
        IReadOnlyList<HubRepo> repos, FetchState state, FetchOptions options, object gate, CancellationToken ct)
    {
        var commits = new Dictionary<HubRepo, string>();
        var listings = new Dictionary<HubRepo, IReadOnlyList<HubFile>>();
        var toResolve = repos.Count(r => options.Revision is not null || !state.Pins.ContainsKey(r.Key));
        if (toResolve > 0) log?.Invoke($"fetch: resolving {toResolve} repositories at {options.Revision ?? "main"} on {client.Settings.Endpoint}");
        await Parallel.ForEachAsync(repos, new ParallelOptions { MaxDegreeOfParallelism = options.Jobs, CancellationToken = ct }, async (repo, token) =>
        {
            string? commit;
            lock (gate) state.Pins.TryGetValue(repo.Key, out commit);
            if (options.Revision is not null || commit is null)
                commit = await client.ResolveCommitAsync(repo, options.Revision ?? "main", token);
            List<HubFile>? files;
            lock (gate) state.Listings.TryGetValue(FetchState.ListingKey(repo, commit), out files);
            files ??= (await client.ListFilesAsync(repo, commit, token)).ToList();
            lock (gate)
            {
                state.Pins[repo.Key] = commit;
                state.Listings[FetchState.ListingKey(repo, commit)] = files;
                commits[repo] = commit;
                listings[repo] = files;
            }
        });
        return (commits, listings);
    }

    /// <summary>The files of the bank contract: the base model's, then each task's adapter and dataset files.</summary>
    private static List<Planned> PlanFiles(HubRepo baseModel, IReadOnlyList<BankSource> sources, Dictionary<HubRepo, IReadOnlyList<HubFile>> listings,
        string bankDir, bool baseModelWeights)
    {
        var plan = new List<Planned>();
        plan.AddRange(BaseModelFiles(baseModel, listings[baseModel], bankDir, baseModelWeights));
        foreach (var s in sources)
        {
            plan.AddRange(AdapterFiles(s, listings[s.Adapter], bankDir));
            plan.AddRange(DatasetFiles(s, listings[s.Dataset], bankDir));
        }
        return plan;
    }

    /// <summary>
    /// The planned files not yet verified in place, to download; those in place are recorded as verified
    /// and their bytes counted.
    /// </summary>
    private static (List<DownloadItem> Missing, long KeptBytes) FindMissing(List<Planned> plan, Dictionary<HubRepo, string> commits, FetchState state,
        string bankDir)
    {
        var missing = new List<DownloadItem>();
        long keptBytes = 0;
        foreach (var p in plan)
        {
            var rel = Relative(bankDir, p.Target);
            if (File.Exists(p.Target) && (state.Verified.TryGetValue(rel, out var v) && v.StillHolds(p.Target, p.File) || FileCheck.Problem(p.Target, p.File) is null))
            {
                state.Verified[rel] = VerifiedFile.Of(p.Target, p.File);
                keptBytes += p.File.Size;
                continue;
            }
            state.Verified.Remove(rel);
            missing.Add(new DownloadItem(p.Repo, commits[p.Repo], p.File, p.Target));
        }
        return (missing, keptBytes);
    }

    /// <summary>Downloads the missing files if they fit, recording each verified one and saving the state now and then and at the end.</summary>
    private async Task DownloadAsync(List<DownloadItem> missing, int kept, long keptBytes, FetchState state, string bankDir, object gate, int jobs,
        IProgress<DownloadProgress>? progress, CancellationToken ct)
    {
        var needed = missing.Sum(m => m.File.Size - PartialLength(m.Target));
        DiskSpace.Require(bankDir, needed, $"the {missing.Count} files still to download", "free some space or pass another --bank-dir", FreeSpace);
        log?.Invoke($"fetch: {missing.Count} files to download ({DiskSpace.Format(missing.Sum(m => m.File.Size))}), {kept} already verified");
        var lastSave = DateTime.UtcNow;
        var downloader = new Downloader(client)
        {
            Completed = item =>
            {
                lock (gate)
                {
                    state.Verified[Relative(bankDir, item.Target)] = VerifiedFile.Of(item.Target, item.File);
                    // A killed run keeps what it verified; saving every file would rewrite the state thousands of times.
                    if (DateTime.UtcNow - lastSave > TimeSpan.FromSeconds(5)) { state.Save(bankDir); lastSave = DateTime.UtcNow; }
                }
            },
        };
        try
        {
            if (missing.Count > 0) await downloader.RunAsync(missing, jobs, progress, keptBytes, kept, ct);
        }
        finally
        {
            lock (gate) state.Save(bankDir);
        }
    }

    private static IEnumerable<Planned> BaseModelFiles(HubRepo repo, IReadOnlyList<HubFile> files, string bankDir, bool weights)
    {
        var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        if (!byPath.ContainsKey("tokenizer.model"))
            throw new BadInputException($"{repo}: has no tokenizer.model (the bank's SentencePiece tokenizer)");
        var chosen = BaseModelSmallFiles.Where(byPath.ContainsKey).Select(p => byPath[p]).ToList();
        if (weights)
        {
            // Hugging Face shards and their index; not Mistral's own consolidated.safetensors (the same weights again).
            var shards = files.Where(f => !f.Path.Contains('/') && f.Path.EndsWith(".safetensors", StringComparison.Ordinal)
                                          && !f.Path.StartsWith("consolidated", StringComparison.Ordinal)).ToList();
            if (shards.Count == 0) throw new BadInputException($"{repo}: has no *.safetensors weights");
            chosen.AddRange(shards);
            if (byPath.TryGetValue("model.safetensors.index.json", out var index)) chosen.Add(index);
        }
        return chosen.Select(f => new Planned(repo, f, Path.Combine(bankDir, "base_model", f.Path)));
    }

    /// <summary>
    /// The PEFT pair at the top of the repo or, failing that, in the one folder that holds both (some
    /// adapters are uploaded as a trainer's checkpoint folder).
    /// </summary>
    private static IEnumerable<Planned> AdapterFiles(BankSource s, IReadOnlyList<HubFile> files, string bankDir)
    {
        static string Folder(string path) => path.Contains('/') ? path[..path.LastIndexOf('/')] : "";
        static string Name(string path) => path[(path.LastIndexOf('/') + 1)..];
        var folders = files.Where(f => Name(f.Path) == PeftAdapter.WeightsFileName).Select(f => Folder(f.Path))
            .Where(d => files.Any(f => f.Path == (d.Length == 0 ? "" : d + "/") + PeftAdapter.ConfigFileName))
            .ToList();
        var folder = folders.Contains("") ? "" : folders.Count == 1 ? folders[0] : null;
        if (folder is null)
            throw new BadInputException(folders.Count == 0
                ? $"{s.Adapter}: has no {PeftAdapter.ConfigFileName} with an {PeftAdapter.WeightsFileName} beside it (files: {Names(files)})"
                : $"{s.Adapter}: several adapter folders ({string.Join(", ", folders)}); cannot tell which is the task's");
        var prefix = folder.Length == 0 ? "" : folder + "/";
        foreach (var name in new[] { PeftAdapter.ConfigFileName, PeftAdapter.WeightsFileName })
            yield return new Planned(s.Adapter, files.First(f => f.Path == prefix + name), Path.Combine(bankDir, "adapters", s.Task, name));
    }

    /// <summary>
    /// The split files as the Hub's dataset viewer finds them: <c>&lt;split&gt;.parquet</c>,
    /// <c>&lt;split&gt;-*.parquet</c>, <c>&lt;split&gt;.json</c> or <c>.jsonl</c>, at the top or under <c>data/</c>.
    /// Parquet keeps its path; JSON lines become <c>&lt;split&gt;.jsonl</c>, the name the bank reads.
    /// </summary>
    private static IEnumerable<Planned> DatasetFiles(BankSource s, IReadOnlyList<HubFile> files, string bankDir)
    {
        var taskDir = Path.Combine(bankDir, "datasets", s.Task);
        var chosen = new List<Planned>();
        foreach (var f in files)
        {
            var dir = Path.GetDirectoryName(f.Path.Replace('/', Path.DirectorySeparatorChar)) ?? "";
            if (dir is not ("" or "data")) continue;
            var name = Path.GetFileName(f.Path);
            var split = Splits.FirstOrDefault(sp => name == sp + ".parquet" || name.StartsWith(sp + "-", StringComparison.Ordinal) && name.EndsWith(".parquet", StringComparison.Ordinal)
                                                    || name == sp + ".json" || name == sp + ".jsonl");
            if (split is null) continue;
            var target = name.EndsWith(".parquet", StringComparison.Ordinal)
                ? Path.Combine(taskDir, f.Path)
                : Path.Combine(taskDir, split + ".jsonl");
            chosen.Add(new Planned(s.Dataset, f, target));
        }
        if (!chosen.Any(p => IsTrain(p.File.Path)))
            throw new BadInputException($"{s.Dataset}: has no train split (looked for train.parquet, train-*.parquet, train.json, train.jsonl, also under data/; files: {Names(files)})");
        var clash = chosen.GroupBy(p => p.Target, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new BadInputException($"{s.Dataset}: {string.Join(" and ", clash.Select(p => p.File.Path))} would both become {clash.Key}");
        return chosen;
    }

    private static bool IsTrain(string path)
    {
        var name = Path.GetFileName(path);
        return name.StartsWith("train.", StringComparison.Ordinal) || name.StartsWith("train-", StringComparison.Ordinal);
    }

    /// <summary>
    /// Files in a task's folders that the plan does not name (e.g. a shard of an older pinned commit):
    /// left there, the dataset reader would mix them with the current split.
    /// </summary>
    private static void RemoveStaleFiles(string bankDir, IReadOnlyList<BankSource> sources, List<Planned> plan)
    {
        // Full paths on both sides: a planned target is built from the Hub's '/'-separated path.
        var keep = new HashSet<string>(plan.SelectMany(p => new[] { p.Target, p.Target + Downloader.PartialSuffix }).Select(Path.GetFullPath),
            StringComparer.Ordinal);
        foreach (var s in sources)
            foreach (var dir in new[] { Path.Combine(bankDir, "datasets", s.Task), Path.Combine(bankDir, "adapters", s.Task) })
            {
                if (!Directory.Exists(dir)) continue;
                foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
                    if (!keep.Contains(Path.GetFullPath(file))) File.Delete(file);
            }
    }

    private static long PartialLength(string target)
    {
        var partial = new FileInfo(target + Downloader.PartialSuffix);
        return partial.Exists ? partial.Length : 0;
    }

    private static string Relative(string bankDir, string path) => Path.GetRelativePath(bankDir, path).Replace('\\', '/');

    private static string Names(IReadOnlyList<HubFile> files) =>
        files.Count == 0 ? "none" : string.Join(", ", files.Take(12).Select(f => f.Path)) + (files.Count > 12 ? ", ..." : "");

    /// <summary>The pins recorded by an earlier fetch, so a rerun (or a copy of bank.json elsewhere) fetches the same bytes.</summary>
    private static IEnumerable<(string Key, string Commit)> PinsInBankJson(string path)
    {
        if (!File.Exists(path)) yield break;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException) { yield break; }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("sources", out var sources)
                || sources.ValueKind != JsonValueKind.Object) yield break;
            var pins = new List<(string, string)>();
            void Add(JsonElement e, RepoKind kind)
            {
                if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("repo", out var r) && r.ValueKind == JsonValueKind.String
                    && e.TryGetProperty("revision", out var c) && c.ValueKind == JsonValueKind.String)
                    pins.Add((new HubRepo(kind, r.GetString()!).Key, c.GetString()!));
            }
            if (sources.TryGetProperty("base_model", out var bm)) Add(bm, RepoKind.Model);
            if (sources.TryGetProperty("tasks", out var tasks) && tasks.ValueKind == JsonValueKind.Array)
                foreach (var t in tasks.EnumerateArray())
                {
                    if (t.ValueKind != JsonValueKind.Object) continue;
                    if (t.TryGetProperty("adapter", out var a)) Add(a, RepoKind.Model);
                    if (t.TryGetProperty("dataset", out var d)) Add(d, RepoKind.Dataset);
                }
            foreach (var pin in pins) yield return pin;
        }
    }

    private static byte[] BankJson(string name, HubRepo baseModel, int vocabSize, IReadOnlyList<BankSource> sources,
        IReadOnlyDictionary<HubRepo, string> commits, bool weights)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("base_model", "base_model");
            w.WriteStartObject("tokenizer");
            w.WriteString("kind", TokenizerSpec.SentencePiece);
            w.WriteString("path", "base_model/tokenizer.model");
            w.WriteEndObject();
            w.WriteNumber("vocab_size", vocabSize);
            w.WriteStartArray("tasks");
            foreach (var s in sources) w.WriteStringValue(s.Task);
            w.WriteEndArray();
            // The paper's setting, written out so that the bank says how it is generated.
            w.WriteStartObject(BankGeneration.Key);
            w.WriteNumber(BankGeneration.MaxNewTokensKey, BankGeneration.PaperMaxNewTokens);
            w.WriteEndObject();
            // Where every file came from, pinned to commits: a later fetch into this folder gets the same bytes.
            w.WriteStartObject("sources");
            w.WriteStartObject("base_model");
            w.WriteString("repo", baseModel.Id);
            w.WriteString("revision", commits[baseModel]);
            w.WriteBoolean("weights", weights);
            w.WriteEndObject();
            w.WriteStartArray("tasks");
            foreach (var s in sources)
            {
                w.WriteStartObject();
                w.WriteNumber("index", s.Index);
                w.WriteString("task", s.Task);
                w.WriteStartObject("adapter");
                w.WriteString("repo", s.Adapter.Id);
                w.WriteString("revision", commits[s.Adapter]);
                w.WriteEndObject();
                w.WriteStartObject("dataset");
                w.WriteString("repo", s.Dataset.Id);
                w.WriteString("revision", commits[s.Dataset]);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
