using System.CommandLine;
using System.Text.RegularExpressions;
using MetaLora.Cli;
using MetaLora.Prediction.Coefficients;
using MetaLora.Study;
using MetaLora.Tests.Support;

namespace MetaLora.Tests.Cli;

/// <summary>
/// The docs' option tables are generated from the objects the tool parses with; these tests fail
/// when a page in the checkout is out of date, and check that the generated tables say what
/// <c>--help</c> and the run's parser say.
/// </summary>
public sealed class GeneratedDocsTests
{
    private static readonly string Repo = RepoCopy.FindRepoRoot();

    [Fact]
    public void The_generated_pages_in_the_checkout_are_current()
    {
        foreach (var (path, text) in CliReference.Expected(LoraCommand.Create(new InvocationConfiguration()), page => File.ReadAllText(Path.Combine(Repo, page))))
        {
            var actual = File.ReadAllText(Path.Combine(Repo, path));
            Assert.True(actual == text, $"{path} is out of date with the tool's options; run: {CliReference.Regenerate}");
        }
    }

    [Fact]
    public void Every_verb_and_option_of_the_tool_is_in_the_reference_with_the_default_its_help_prints()
    {
        var page = CliReference.CliMarkdown(LoraCommand.Create(new InvocationConfiguration()));
        var checkedOptions = 0;
        foreach (var (path, command) in Verbs(LoraCommand.Create(new InvocationConfiguration()), "lora"))
        {
            var section = Section(page, path);
            var help = Help(path);
            foreach (Match line in Regex.Matches(help, @"^\s+(?:-\w, )?(--[\w-]+)[^\n]*?(?:\[default: ([^\]]*)\])?\s*$", RegexOptions.Multiline))
            {
                var name = line.Groups[1].Value;
                if (name == "--help") continue;
                var row = Regex.Match(section, $@"^\| `{Regex.Escape(name)}[ `][^|]*\| ([^|]*) \|", RegexOptions.Multiline);
                Assert.True(row.Success, $"{path} {name}: in --help but not in the reference");
                var shown = row.Groups[1].Value.Trim();
                if (line.Groups[2].Success && line.Groups[2].Value.Length > 0 && line.Groups[2].Value is not ("False" or "True"))
                    Assert.Equal($"`{line.Groups[2].Value}`", shown);
                checkedOptions++;
            }
        }
        Assert.True(checkedOptions > 100, $"only {checkedOptions} options were compared");
    }

    [Fact]
    public void The_arguments_table_lists_every_argument_the_run_accepts_once_with_the_parsers_defaults()
    {
        var table = StudyArgument.MarkdownTable();
        foreach (var name in StudyOptions.Known)
            Assert.Single(Regex.Matches(table, $@"^\| `--{Regex.Escape(name)}[=`]", RegexOptions.Multiline));
        var defaults = StudyOptions.From([]);
        Assert.Contains($"| `--metric=M` | `{defaults.Metrics.Single()}` ", table);
        Assert.Contains($"| `--model=NAME` | `{defaults.Models.Single().Name()}` ", table);
        Assert.Contains($"| `--mlp-hidden=H` | `{defaults.MlpHidden}` ", table);
        Assert.Contains($"| `--batch-size=N` | `{defaults.BatchSize}` ", table);
        Assert.Contains($"| `--data-dir=PATH` | `{defaults.DataDir}` ", table);
        Assert.Contains($"| `--concurrency=N` | `{defaults.Concurrency}` ", table);
        Assert.Contains($"| `--target=NAME` | `{defaults.Target}` ", table);
    }

    [Fact]
    public void The_docs_verb_rewrites_a_stale_page_and_its_check_mode_names_it_without_writing()
    {
        using var temp = new TempDir();
        Directory.CreateDirectory(Path.Combine(temp.Path, "docs"));
        var pipeline = Path.Combine(temp.Path, CliReference.PipelinePage);
        var cli = Path.Combine(temp.Path, CliReference.CliPage);
        File.WriteAllText(pipeline, $"# Pipeline\n\nbefore\n{CliReference.BeginArguments}\n| stale |\n{CliReference.EndArguments}\nafter\n");
        File.WriteAllText(cli, "stale\n");

        Assert.Equal(1, Invoke("docs", "--repo", temp.Path, "--check"));
        Assert.Equal("stale\n", File.ReadAllText(cli));

        Assert.Equal(0, Invoke("docs", "--repo", temp.Path));
        var written = File.ReadAllText(pipeline);
        Assert.StartsWith($"# Pipeline\n\nbefore\n{CliReference.BeginArguments}\n| argument | default | meaning |", written);
        Assert.EndsWith($"{CliReference.EndArguments}\nafter\n", written);
        Assert.DoesNotContain("| stale |", written);
        Assert.Contains("## `lora distances`", File.ReadAllText(cli));
        Assert.Equal(0, Invoke("docs", "--repo", temp.Path, "--check"));
    }

    [Fact]
    public void A_page_without_the_markers_is_refused_with_its_name()
    {
        var e = Assert.Throws<BadInputException>(() => CliReference.Splice("# no markers\n", "docs/pipeline.md", "| x |\n"));
        Assert.StartsWith("docs/pipeline.md: the markers of the generated arguments table are missing", e.Message);
    }

    private static int Invoke(params string[] args)
    {
        var config = new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() };
        return LoraCommand.Create(config).Parse(args).Invoke(config);
    }

    private static string Help(string path)
    {
        var output = new StringWriter();
        var config = new InvocationConfiguration { Output = output };
        LoraCommand.Create(config).Parse([.. path.Split(' ').Skip(1), "--help"]).Invoke(config);
        // Long lines wrap in help; join continuation lines so each option is one line.
        return Regex.Replace(output.ToString(), @"\n {20,}", " ");
    }

    private static string Section(string page, string path)
    {
        var start = page.IndexOf($"## `{path}`\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{path}: no section in the reference");
        var end = page.IndexOf("\n## `", start + 1, StringComparison.Ordinal);
        return end < 0 ? page[start..] : page[start..end];
    }

    private static IEnumerable<(string Path, Command Command)> Verbs(Command command, string path)
    {
        foreach (var sub in command.Subcommands.Where(c => !c.Hidden))
        {
            yield return ($"{path} {sub.Name}", sub);
            foreach (var nested in Verbs(sub, $"{path} {sub.Name}")) yield return nested;
        }
    }
}
