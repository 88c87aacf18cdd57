using System.CommandLine;
using System.Globalization;
using MetaLora.Prediction.Combining;
using MetaLora.Prediction.Combining.Delta;

namespace MetaLora.Cli;

/// <summary>The combiner options shared by <c>lora predict</c> and <c>lora generate</c>: --combine, --combine-rank, --top-k.</summary>
internal sealed class CombineOptions
{
    private readonly Option<string> _combine;
    private readonly Option<int> _rank = new("--combine-rank") { Description = "delta: rank of the output adapters (0 = the bank's r).", DefaultValueFactory = _ => 0 };
    private readonly Option<string> _topK = new("--top-k") { Description = "delta: combine only each row's K largest coefficients, renormalised (a number, or all).", DefaultValueFactory = _ => CombinerNames.AllCoefficients };

    public CombineOptions(string description) =>
        _combine = new Option<string>("--combine")
        {
            Description = description + " PEFT's add_weighted_adapter names are accepted too: svd for delta, linear for linear-sqrt.",
            DefaultValueFactory = _ => CombinerNames.Default.Name(),
        };

    public void AddTo(Command command)
    {
        command.Options.Add(_combine);
        command.Options.Add(_rank);
        command.Options.Add(_topK);
    }

    public IReadOnlyList<Combiner> Combiners(ParseResult parse) => CombinerNames.Parse(parse.GetValue(_combine)!);

    public DeltaOptions Delta(ParseResult parse)
    {
        var rank = parse.GetValue(_rank);
        if (rank < 0) throw new BadInputException($"--combine-rank={rank}: expected a whole number >= 1, or 0 for the bank's r");
        var text = parse.GetValue(_topK)!.Trim();
        var topK = text.Equals(CombinerNames.AllCoefficients, StringComparison.OrdinalIgnoreCase) ? 0
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var k) && k >= 1 ? k
            : throw new BadInputException($"--top-k={text}: expected a whole number >= 1 or all");
        return new DeltaOptions(rank, topK);
    }
}
