using System.Collections;
using System.Text;
using MetaLora.Build;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace MetaLora.Tests.Platform;

/// <summary>The MSBuild task around the patch: it acts only where libstdc++ lacks the version.</summary>
public sealed class WeakenMissingLibstdcxxVersionTests : IDisposable
{
    private const string Version = "GLIBCXX_3.4.32";

    private readonly string _dir = Directory.CreateTempSubdirectory("weaken-libstdcxx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Stands in for a system libstdc++ whose newest version is <paramref name="newest"/>.</summary>
    private string FakeLibstdcxx(string newest)
    {
        var path = Path.Combine(_dir, $"libstdc++-{newest}.so.6");
        File.WriteAllBytes(path, Encoding.ASCII.GetBytes($"\u007fELF\0GLIBCXX_3.4\0GLIBCXX_3.4.29\0{newest}\0CXXABI_1.3\0"));
        return path;
    }

    private string CopyPackagedLibrary()
    {
        var path = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(TorchSharpPackage.NativeLibraryPath, path);
        return path;
    }

    private static WeakenMissingLibstdcxxVersion Task(RecordingBuildEngine engine, string libstdcxx, params string[] files) => new()
    {
        BuildEngine = engine,
        Files = files.Select(f => (ITaskItem)new TaskItem(f)).ToArray(),
        VersionName = Version,
        Libstdcxx = libstdcxx,
    };

    private static bool IsWeak(string path) =>
        ElfVersionPatch.ReadVersionNeeds(File.ReadAllBytes(path), path).Single(n => n.Version == Version).IsWeak;

    [PackagedLibraryFact]
    public void PatchesWhenLibstdcxxLacksTheVersion()
    {
        var library = CopyPackagedLibrary();
        var engine = new RecordingBuildEngine();

        Assert.True(Task(engine, FakeLibstdcxx("GLIBCXX_3.4.30"), library, Path.Combine(_dir, "absent.so")).Execute());

        Assert.True(IsWeak(library));
        Assert.Empty(engine.Errors);
        var message = Assert.Single(engine.Messages, m => m.Importance <= MessageImportance.Normal);
        Assert.Contains(library, message.Message, StringComparison.Ordinal);

        // An incremental build runs the task again; it must neither rewrite the file nor report anything.
        var patched = File.ReadAllBytes(library);
        var again = new RecordingBuildEngine();
        Assert.True(Task(again, FakeLibstdcxx("GLIBCXX_3.4.30"), library).Execute());
        Assert.Equal(patched, File.ReadAllBytes(library));
        Assert.DoesNotContain(again.Messages, m => m.Importance <= MessageImportance.Normal);
    }

    [PackagedLibraryFact]
    public void LeavesTheLibraryAloneWhenLibstdcxxHasTheVersion()
    {
        var library = CopyPackagedLibrary();
        var before = File.ReadAllBytes(library);
        var engine = new RecordingBuildEngine();

        Assert.True(Task(engine, FakeLibstdcxx("GLIBCXX_3.4.32"), library).Execute());

        Assert.Equal(before, File.ReadAllBytes(library));
        Assert.DoesNotContain(engine.Messages, m => m.Importance <= MessageImportance.Normal);
    }

    [Fact]
    public void ReportsAnErrorForANonElfFile()
    {
        var library = Path.Combine(_dir, "libLibTorchSharp.so");
        File.WriteAllText(library, "not a library");
        var engine = new RecordingBuildEngine();

        Assert.False(Task(engine, FakeLibstdcxx("GLIBCXX_3.4.30"), library).Execute());

        var error = Assert.Single(engine.Errors);
        Assert.Contains("not an ELF file", error.Message, StringComparison.Ordinal);
        Assert.Equal("not a library", File.ReadAllText(library));
    }

    [LinuxFact]
    public void FindsTheSystemLibstdcxx()
    {
        var libstdcxx = SystemLibstdcxx.Find();

        Assert.NotNull(libstdcxx);
        Assert.StartsWith("libstdc++.so.6", Path.GetFileName(libstdcxx), StringComparison.Ordinal);
        // Every libstdc++ since GCC 3.4 defines the base version; a shorter prefix of it must not count as a match.
        Assert.True(ElfVersionPatch.DefinesVersion(libstdcxx, "GLIBCXX_3.4"));
        Assert.False(ElfVersionPatch.DefinesVersion(libstdcxx, "GLIBCXX_3"));
    }

    private sealed class RecordingBuildEngine : IBuildEngine
    {
        public List<BuildMessageEventArgs> Messages { get; } = [];

        public List<BuildErrorEventArgs> Errors { get; } = [];

        public bool ContinueOnError => false;

        public int LineNumberOfTaskNode => 0;

        public int ColumnNumberOfTaskNode => 0;

        public string ProjectFileOfTaskNode => "test.proj";

        public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
            throw new NotSupportedException();

        public void LogCustomEvent(CustomBuildEventArgs e) { }

        public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);

        // The task never warns; a warning would fail the build (warnings are errors), so record it as one.
        public void LogWarningEvent(BuildWarningEventArgs e) => Errors.Add(new BuildErrorEventArgs(e.Subcategory, e.Code, e.File, e.LineNumber, e.ColumnNumber, e.EndLineNumber, e.EndColumnNumber, e.Message, e.HelpKeyword, e.SenderName));

        public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e);
    }
}
