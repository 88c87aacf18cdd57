using System.Text.RegularExpressions;
using MetaLora.Pipeline.CodeIdentity;
using MetaLora.Tests.EndToEnd;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Pipeline;

/// <summary>
/// Where code lives and what its types are called decide nothing: a copy of the repository with a type
/// renamed into another namespace and folder, a type split out of its file, a file moved and two files
/// merged, compiled by the real build, gives every stage of the study the same deciding code identity;
/// only the per-file entries, which explain a change, follow the files. One build holds the four
/// edits (each on other code), so that the suite pays for one build, not four.
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

    [Fact]
    public void A_rename_a_move_a_split_and_a_merge_rerun_nothing()
    {
        using var original = CodeBase.Load(AppContext.BaseDirectory);
        var before = StageFingerprints.Of(original);

        // 1. Rename Softmin to SoftMinimum and move it into its own namespace and folder, and 2. split
        //    DistanceInput out of its file into one of its own.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_copy.Root, "src"), "*.cs", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            if (!Regex.IsMatch(text, @"\bSoftmin\b") || file.EndsWith("Softmin.cs", StringComparison.Ordinal)) continue;
            File.WriteAllText(file, "using MetaLora.Prediction.Coefficients;\n" + Regex.Replace(text, @"\bSoftmin\b", "SoftMinimum"));
        }
        var softmin = File.ReadAllText(Src("Prediction/Softmin.cs"));
        var split = softmin.LastIndexOf("/// <summary>", softmin.IndexOf("internal static class DistanceInput", StringComparison.Ordinal), StringComparison.Ordinal);
        Directory.CreateDirectory(Src("Prediction/Coefficients"));
        File.WriteAllText(Src("Prediction/Coefficients/SoftMinimum.cs"),
            Regex.Replace(softmin[..split], @"\bSoftmin\b", "SoftMinimum").Replace("namespace MetaLora.Prediction;", "namespace MetaLora.Prediction.Coefficients;", StringComparison.Ordinal));
        File.WriteAllText(Src("Prediction/DistanceInput.cs"),
            "using MetaLora.Prediction.Coefficients;\n\nnamespace MetaLora.Prediction;\n\n" + Regex.Replace(softmin[split..], @"\bSoftmin\b", "SoftMinimum"));
        File.Delete(Src("Prediction/Softmin.cs"));
        // 3. Move a file into another folder (same namespace).
        Directory.CreateDirectory(Src("Prediction/Gram"));
        File.Move(Src("Prediction/Gram.cs"), Src("Prediction/Gram/Gram.cs"));
        // 4. Merge two files into one.
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
        Assert.Contains("src/MetaLora/Prediction/Coefficients/SoftMinimum.cs", coefficients.Keys);
        Assert.Contains("src/MetaLora/Prediction/DistanceInput.cs", coefficients.Keys);
        Assert.DoesNotContain("src/MetaLora/Prediction/Softmin.cs", coefficients.Keys);
        Assert.Contains("src/MetaLora/Prediction/Softmin.cs", before["Coefficients.KL.base_version"].Keys);
        Assert.Contains("src/MetaLora/Prediction/Gram/Gram.cs", after["Gram"].Keys);
        Assert.Contains("src/MetaLora/Reporting/PlotPoints.cs", after["Report"].Keys);
    }
}
