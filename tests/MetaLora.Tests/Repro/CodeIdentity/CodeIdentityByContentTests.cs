using System.Text.RegularExpressions;
using MetaLora.Tests.EndToEnd;
using MetaLora.Tests.Support;
using MetaLora.Repro.CodeIdentity;

namespace MetaLora.Tests.Repro.CodeIdentity;

/// <summary>
/// Where code lives and what its types are called decide nothing: a copy of the repository with a type
/// renamed into another namespace and folder, a type named in other types' signatures moved to another
/// namespace, a class split into two partial files, a file holding a generated regex moved (the
/// generator names its types after the file's path) and two files merged, compiled by the real build,
/// gives every stage of the study the same deciding code identity; only the per-file entries, which
/// explain a change, follow the files. One build holds all the edits (each on other code), so that the
/// suite pays for one build, not five.
/// </summary>
[Collection(BuildScriptCollection.Name)]
public sealed class CodeIdentityByContentTests : IDisposable
{
    private readonly RepoCopy _copy = new();
    private readonly TempDir _out = new();

    public void Dispose()
    {
        _copy.Dispose();
        _out.Dispose();
    }

    private string Src(string relative) => Path.Combine(_copy.Root, "src", "MetaLora", relative);

    /// <summary>Renames <paramref name="from"/> to <paramref name="to"/> in every source file that names it and imports <paramref name="ns"/> there.</summary>
    private void Rename(string from, string to, string ns)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_copy.Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
            var text = File.ReadAllText(file);
            if (!Regex.IsMatch(text, $@"\b{from}\b")) continue;
            File.WriteAllText(file, $"using {ns};\n" + Regex.Replace(text, $@"\b{from}\b", to));
        }
    }

    private void MoveType(string from, string to, string oldNamespace, string newNamespace)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Src(to))!);
        // The moved type keeps seeing its old namespace's types.
        var text = File.ReadAllText(Src(from)).Replace($"namespace {oldNamespace};", $"namespace {newNamespace};", StringComparison.Ordinal);
        File.WriteAllText(Src(to), (oldNamespace == newNamespace ? "" : $"using {oldNamespace};\n") + text);
        File.Delete(Src(from));
    }

    [Fact]
    public void A_rename_a_move_a_split_and_a_merge_rerun_nothing()
    {
        using var original = CodeBase.Load(AppContext.BaseDirectory);
        var before = StageFingerprints.Of(original);

        // 1. Rename Softmin to SoftMinimum, into another namespace and folder.
        Rename("Softmin", "SoftMinimum", "MetaLora.Prediction.Weights");
        MoveType("Prediction/Coefficients/Softmin.cs", "Prediction/Weights/SoftMinimum.cs", "MetaLora.Prediction.Coefficients", "MetaLora.Prediction.Weights");
        // 2. Move Combiner, which other types' member signatures name, to another namespace: the order
        //    of those members by name changes, not what they are.
        Rename("Combiner", "Combiner", "MetaLora.Prediction.Mixing");
        MoveType("Prediction/Combining/Combiner.cs", "Prediction/Mixing/Combiner.cs", "MetaLora.Prediction.Combining", "MetaLora.Prediction.Mixing");
        // 3. Split a class into two partial files.
        var lanes = File.ReadAllText(Src("Distances/Lanes.cs")).Replace("internal static class Lanes", "internal static partial class Lanes", StringComparison.Ordinal);
        var logAt = lanes.LastIndexOf("    /// <summary>", lanes.IndexOf("public static V Log<V>", StringComparison.Ordinal), StringComparison.Ordinal);
        var logEnd = lanes.IndexOf("    private const double Ln2", StringComparison.Ordinal);
        File.WriteAllText(Src("Distances/Lanes.Log.cs"), "using System.Runtime.CompilerServices;\n\nnamespace MetaLora.Distances;\n\ninternal static partial class Lanes\n{\n" + lanes[logAt..logEnd] + "}\n");
        File.WriteAllText(Src("Distances/Lanes.cs"), lanes[..logAt] + lanes[logEnd..]);
        // 4. Move a file that holds a [GeneratedRegex] into another folder (same namespace).
        MoveType("Bank/BankInfo.cs", "Bank/Info/BankInfo.cs", "MetaLora.Bank", "MetaLora.Bank");
        // 5. Merge two files into one.
        File.WriteAllText(Src("Reporting/PlotPoints.cs"), File.ReadAllText(Src("Reporting/PipelineMean.cs")) + "\n"
            + File.ReadAllText(Src("Reporting/TaskPoint.cs")).Replace("namespace MetaLora.Reporting;", "", StringComparison.Ordinal));
        File.Delete(Src("Reporting/PipelineMean.cs"));
        File.Delete(Src("Reporting/TaskPoint.cs"));

        var output = _out["edited"];
        var build = ToolProcess.Run("dotnet", _copy.Root,
            ["build", "src/MetaLora.Cli/MetaLora.Cli.csproj", "-c", "Debug", "-o", output, "-nologo", "-v", "quiet"], TimeSpan.FromMinutes(8));
        Assert.True(build.ExitCode == 0, $"build of the edited copy failed:\n{build.Output}");
        using var edited = CodeBase.Load(output);
        var after = StageFingerprints.Of(edited);

        foreach (var (stage, fingerprint) in before)
            Assert.True(CodeFingerprint.Deciding(fingerprint).SequenceEqual(CodeFingerprint.Deciding(after[stage])),
                $"{stage}: the deciding code identity changed ({string.Join(", ", CodeFingerprint.Deciding(fingerprint).Where(e => after[stage].GetValueOrDefault(e.Key) != e.Value).Select(e => e.Key))})");

        // The edits took effect: the explanations name the new files.
        var coefficients = after["Coefficients.KL.base_version"];
        Assert.Contains("src/MetaLora/Prediction/Weights/SoftMinimum.cs", coefficients.Keys);
        Assert.DoesNotContain("src/MetaLora/Prediction/Coefficients/Softmin.cs", coefficients.Keys);
        Assert.Contains("src/MetaLora/Prediction/Coefficients/Softmin.cs", before["Coefficients.KL.base_version"].Keys);
        // An enum has no code of its own: its entry is named by the type, now in its new namespace.
        Assert.Contains("MetaLora.dll:MetaLora.Prediction.Mixing.Combiner", after["Predict.KL.base_version"].Keys);
        Assert.Contains("src/MetaLora/Distances/Lanes.Log.cs", after["Distances.KL"].Keys);
        Assert.Contains("src/MetaLora/Bank/Info/BankInfo.cs", after["Tokenize"].Keys);
        Assert.Contains("src/MetaLora/Reporting/PlotPoints.cs", after["Report"].Keys);
    }
}
