using System.CommandLine;
using MetaLora.Cli;

namespace MetaLora.Tests.Distances;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_distances_prints_a_row_per_metric()
    {
        var root = new RootCommand { BenchCommand.Create() };
        var output = new StringWriter();
        var previous = Console.Out;
        Console.SetOut(output);
        try
        {
            var code = root.Parse("bench distances --tasks 6 --min-tokens 10 --max-tokens 40 --vocab 300 --metric kl,mmd --seed 3 --runs 3").Invoke();
            Assert.Equal(0, code);
        }
        finally
        {
            Console.SetOut(previous);
        }
        var lines = output.ToString().Split('\n');
        Assert.Contains(lines, l => l.StartsWith("KL "));
        Assert.Contains(lines, l => l.StartsWith("MMD "));
        Assert.DoesNotContain(lines, l => l.StartsWith("WD "));
        Assert.Contains(lines, l => l.StartsWith("total "));
    }

    [Fact]
    public void Bad_metric_is_bad_input()
    {
        var root = new RootCommand { BenchCommand.Create() };
        Assert.Throws<BadInputException>(() =>
            root.Parse("bench distances --tasks 2 --metric cosine").Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
    }
}
