using MetaLora.Tests.Support;
using MetaLora.Repro.CodeIdentity;
using MetaLora.Study;

namespace MetaLora.Tests.Repro.CodeIdentity;

/// <summary>
/// The fingerprint's reachability against what the stages really execute: the tiny embedded study is
/// run, then each stage's command again in its own process with the runtime's JIT log on
/// (<c>DOTNET_JitStdOutFile</c>, <c>DOTNET_JitDisasmSummary</c>: every method compiled, i.e. run).
/// Every method of the tool that a stage ran must be in that stage's reachable set; otherwise an edit
/// of it would leave stale results looking current.
/// </summary>
public sealed class ExecutedCodeTests : IDisposable
{
    private readonly TempDir _work = new();

    public void Dispose() => _work.Dispose();

    [Fact]
    public void Every_method_a_stage_runs_is_in_its_fingerprint()
    {
        string[] args = ["--target=Report", "--metric=all", "--model=all", "--combine=all", "--baseline=all", "--bank-profile=tiny", "--mlp-hidden=16", "--max-new-tokens=8",
                         $"--data-dir={_work["data"]}", $"--results-dir={_work["results"]}"];
        var run = ToolProcess.Lora(_work.Path, ["run", .. args]);
        Assert.True(run.ExitCode == 0, run.Output);

        using var code = CodeBase.Load(AppContext.BaseDirectory);
        var graph = new StageGraph(StudyOptions.FromCommandLine(args));
        // Startup (every verb's command is built) runs for any verb: it is not a stage's own code.
        var startup = Executed(["tokenize", "--help"], "startup");
        // Every metric's distances and coefficient model, a predicted adapter per model and combiner, the
        // baselines' Predict (nearest for KL, uniform under delta), and one Infer of each kind.
        var stages = graph.Stages.Where(s => s.Group is "Bank" or "Tokenize" or "Distances" or "Evaluate" or "Report"
                                             || s.Name is "Gram" || s.Name.StartsWith("Coefficients.KL.", StringComparison.Ordinal)
                                             || s.Name.StartsWith("Predict.KL.", StringComparison.Ordinal) || s.Name is "Predict.uniform+delta"
                                             || s.Name is "Infer.base" or "Infer.finetuned" or "Infer.KL_mlp_version" or "Infer.nearest_KL").ToArray();
        Assert.Equal(1 + 1 + 4 + 1 + 3 + (3 * 3 + 1) + 1 + 4 + 1 + 1, stages.Length);
        // Infer on a server, against lora serve over the same bank: the openai engine's stage runs only its own code.
        using var server = new ServeProcess(_work.Path, null, "--bank-dir", _work["data/embedded"]);
        var served = new StageGraph(StudyOptions.FromCommandLine([.. args, "--engine=openai", $"--endpoint={server.Url}"]))
            .Group("Infer").Single(s => s.Name == "Infer.finetuned");
        stages = [.. stages, served with { Name = "Infer.finetuned@openai" }];
        var failures = new List<string>();
        foreach (var stage in stages)
        {
            var reachable = new Reachability(code, stage.Params).From(code.Entries[stage.Verb]).Methods
                .Select(m => Key(m.DeclaringType.FullName, m.Name)).ToHashSet(StringComparer.Ordinal);
            var ran = Executed(stage.Command, stage.Name);
            var missing = ran.Where(m => !startup.Contains(m) && !reachable.Contains(m)).Order(StringComparer.Ordinal).ToArray();
            if (missing.Length > 0) failures.Add($"{stage.Name} ran code outside its fingerprint: {string.Join(", ", missing)}");
            Assert.True(ran.Count(m => !startup.Contains(m)) > 10, $"{stage.Name}: the JIT log shows almost nothing ran");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>The tool's own methods (type, name) compiled while running <paramref name="command"/>.</summary>
    private HashSet<string> Executed(IReadOnlyList<string> command, string name)
    {
        var log = _work[$"jit-{name}.txt"];
        // No call counting, so no method is recompiled at tier 1 on the runtime's background thread: the
        // JIT writes its log from that thread too, and one still writing while the process exits (the
        // runtime closes the log file then) crashed the process now and then, after all its work was
        // done. Every method is still compiled, once, on the thread that first calls it.
        var result = ToolProcess.LoraWithEnvironment(_work.Path, new Dictionary<string, string?>
        {
            ["DOTNET_JitStdOutFile"] = log,
            ["DOTNET_JitDisasmSummary"] = "1",
            ["DOTNET_TC_CallCounting"] = "0",
        }, [.. command]);
        Assert.True(result.ExitCode == 0, $"{name}: exit {result.ExitCode}\n{result.Output}");
        var methods = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(log))
        {
            const string Marker = "JIT compiled ";
            var at = line.IndexOf(Marker, StringComparison.Ordinal);
            if (at < 0) continue;
            var text = line[(at + Marker.Length)..];
            if (!text.StartsWith("MetaLora.", StringComparison.Ordinal) && !text.StartsWith("Program:", StringComparison.Ordinal)) continue;
            var (type, method) = Split(text);
            methods.Add(Key(type, method));
        }
        return methods;
    }

    private static string Key(string type, string method) => $"{type}::{method}";

    /// <summary>"A.B+C`1[int]:M[x](args) [Tier0, ...]" into ("A.B/C`1", "M").</summary>
    private static (string Type, string Method) Split(string text)
    {
        var depth = 0;
        var colon = -1;
        for (var i = 0; i < text.Length && colon < 0; i++)
            switch (text[i])
            {
                case '[': depth++; break;
                case ']': depth--; break;
                case ':' when depth == 0: colon = i; break;
            }
        var type = StripBrackets(text[..colon]).Replace('+', '/');
        var rest = text[(colon + 1)..];
        var end = rest.IndexOfAny(['[', '(']);
        return (type, end < 0 ? rest : rest[..end]);
    }

    private static string StripBrackets(string text)
    {
        var sb = new System.Text.StringBuilder();
        var depth = 0;
        foreach (var c in text)
        {
            if (c == '[') depth++;
            else if (c == ']') depth--;
            else if (depth == 0) sb.Append(c);
        }
        return sb.ToString();
    }
}
