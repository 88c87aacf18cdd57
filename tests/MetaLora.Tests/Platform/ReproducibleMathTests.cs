using System.Runtime.InteropServices;
using MetaLora.Tests.Support;
using MetaLora.Repro;

namespace MetaLora.Tests.Platform;

public sealed class ReproducibleMathTests
{
    [Theory]
    [InlineData(ReproducibleMath.MklVariable)]
    [InlineData(ReproducibleMath.AtenVariable)]
    public void The_process_pins_libtorchs_code_paths_unless_the_user_chose_them(string variable)
    {
        Assert.False(string.IsNullOrEmpty(CEnvironment(variable)), $"{variable} is not set in the C library's environment");
        var expected = variable == ReproducibleMath.MklVariable ? ReproducibleMath.MklBranch : ReproducibleMath.AtenCapability;
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } chosen)
            Assert.Equal(expected, CEnvironment(variable));
        else
            Assert.Equal(chosen, CEnvironment(variable));
    }

    [Fact]
    public void A_stage_records_the_modes_it_computed_with_and_the_users_choice_wins()
    {
        using var work = new TempDir();
        var bank = work["bank"];
        var tasks = FixtureBank.Create(bank, tasks: 4);
        foreach (var (mkl, expected) in new[] { ((string?)null, ReproducibleMath.MklBranch), ("AUTO", "AUTO") })
        {
            var data = work[mkl ?? "default"];
            var run = ToolProcess.LoraWithEnvironment(work.Path, new Dictionary<string, string?> { [ReproducibleMath.MklVariable] = mkl, [ReproducibleMath.AtenVariable] = null },
                "run", "--target=Tokenize", $"--bank-dir={bank}", $"--data-dir={data}");
            Assert.True(run.ExitCode == 0, run.Output);
            var manifest = Directory.EnumerateFiles(Path.Combine(data, ".stages"), "Tokenize*.json").Single();
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(manifest));
            var machine = json.RootElement.GetProperty("machine");
            Assert.Equal(expected, machine.GetProperty("mkl_cbwr").GetString());
            Assert.Equal(ReproducibleMath.AtenCapability, machine.GetProperty("aten_cpu_capability").GetString());
            Assert.Equal(MathModes.Current.Vendor, machine.GetProperty("vendor").GetString());
        }
    }

    /// <summary>
    /// mlp_version's coefficients again, under settings of the .NET runtime that change nothing but the
    /// timing and memory layout of the process. Without a fixed MKL branch the last bits differed, from
    /// one setting to another and at times from one run to the next.
    /// </summary>
    [Fact]
    public void Mlp_version_coefficients_have_the_same_bits_however_the_runtime_compiles()
    {
        using var work = new TempDir();
        var bank = work["bank"];
        var tasks = FixtureBank.Create(bank, tasks: 32);
        SyntheticAdapters.Write(Path.Combine(bank, "adapters"), tasks.Count, names: tasks);
        var run = ToolProcess.Lora(work.Path, "run", "--target=Predict", "--metric=KL", "--model=mlp_version", "--mlp-hidden=16", $"--bank-dir={bank}", $"--data-dir={work["data"]}");
        Assert.True(run.ExitCode == 0, run.Output);
        var csv = Path.Combine("coefficients", "KL", "mlp_version", "coefficients.csv");
        var reference = File.ReadAllBytes(Path.Combine(work["data"], csv));

        var settings = new[] { ("DOTNET_ReadyToRun", "0"), ("DOTNET_TC_QuickJitForLoops", "0"), ("DOTNET_TieredCompilation", "0"), ("DOTNET_TieredPGO", "0"), ("UNRELATED", "1") };
        foreach (var (name, value) in settings)
        {
            var data = work[name];
            CopyTree(Path.Combine(work["data"], "preprocessed"), Path.Combine(data, "preprocessed"));
            var again = ToolProcess.LoraWithEnvironment(work.Path, new Dictionary<string, string?> { [name] = value, [ReproducibleMath.MklVariable] = null },
                "coefficients", "--metric", "KL", "--model", "mlp_version", "--mlp-hidden", "16", "--bank-dir", bank, "--data-dir", data);
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.True(reference.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(data, csv))), $"the coefficients changed with {name}={value}");
        }
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static string? CEnvironment(string name) => Marshal.PtrToStringUTF8(GetEnv(name));

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
