using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// The tiny embedded bank with its predicted KL_base_version adapters, the local Infer outputs of
/// base, finetuned and KL_base_version, and a <c>lora serve</c> over the bank's base model: built once
/// for the tests that run Infer through a server.
/// </summary>
public sealed class ServedStudy : IDisposable
{
    private readonly TempDir _work = new();

    /// <summary>The study's arguments after --bank-dir and --data-dir (the tiny bank's short answers).</summary>
    public static readonly string[] Arguments = ["--metric=KL", "--model=base_version", "--max-new-tokens=24"];

    public static readonly string[] Pipelines = ["base", "finetuned", "KL_base_version"];

    public ServedStudy()
    {
        // The tiny profile of the embedded bank (StageGraph's "tiny").
        Run("bank", "build", "--out", Bank, "--tasks", "6", "--train-samples", "40", "--valid-samples", "4", "--test-samples", "6",
            "--generic-samples", "400", "--hidden", "32", "--intermediate", "64", "--base-steps", "30", "--lora-steps", "8", "--lora-batch", "8");
        foreach (var group in new[] { "Tokenize", "Distances", "Predict" }) Run(["run", "--group", group, .. Study]);
        Run(["run", "--group", "Infer", .. Study, $"--results-dir={Local}"]);
        // Infer loads the predicted adapters from the data folder at run time.
        Server = new ServeProcess(Root, null, "--bank-dir", Bank, "--allow-adapter-dir", Data);
    }

    public string Root => _work.Path;
    public string Bank => _work["bank"];
    public string Data => _work["data"];
    public string Local => _work["local"];
    public ServeProcess Server { get; }

    /// <summary>--bank-dir, --data-dir and <see cref="Arguments"/>, as the build script takes them.</summary>
    public string[] Study => [$"--bank-dir={Bank}", $"--data-dir={Data}", .. Arguments];

    /// <summary>A fresh folder under the study's.</summary>
    public string Folder(string name) => Directory.CreateDirectory(_work[name]).FullName;

    public ProcessResult Lora(params string[] args) => ToolProcess.Lora(Root, args);

    public ProcessResult Lora(IReadOnlyDictionary<string, string?> environment, params string[] args) => ToolProcess.LoraWithEnvironment(Root, environment, args);

    /// <summary>The generated outputs under a results folder, by pipeline/task.</summary>
    public static SortedDictionary<string, byte[]> Outputs(string results)
    {
        var dir = Path.Combine(results, "models_generated_outputs");
        return !Directory.Exists(dir) ? new(StringComparer.Ordinal)
            : new(Directory.EnumerateFiles(dir, "*.jsonl", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes), StringComparer.Ordinal);
    }

    /// <summary>The local outputs of the given pipelines.</summary>
    public SortedDictionary<string, byte[]> LocalOutputs(params string[] pipelines) =>
        new(Outputs(Local).Where(o => pipelines.Any(p => o.Key.StartsWith(p + "/", StringComparison.Ordinal))).ToDictionary(), StringComparer.Ordinal);

    private void Run(params string[] args)
    {
        var result = ToolProcess.Lora(Root, args);
        Assert.True(result.ExitCode == 0, $"lora {string.Join(' ', args)}: {result.Output}");
    }

    public void Dispose()
    {
        Server.Dispose();
        _work.Dispose();
    }
}
