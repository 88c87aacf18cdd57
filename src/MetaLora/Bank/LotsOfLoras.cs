using MetaLora.Formats;
using MetaLora.Hub;

namespace MetaLora.Bank;

/// <summary>
/// The paper's bank, "Lots of LoRAs": 502 Natural-Instructions tasks, each with a rank-16 LoRA for
/// Mistral-7B-Instruct-v0.2, in the paper's index order (the list ships inside this assembly).
/// A task is named after its dataset repo (e.g. <c>task022_cosmosqa_passage_inappropriate_binary</c>),
/// the Natural-Instructions name, which says what the task is.
/// </summary>
internal static class LotsOfLoras
{
    public const string Name = BankKindNames.LotsOfLoras;
    public const string BaseModelRepo = "mistralai/Mistral-7B-Instruct-v0.2";
    public const int VocabSize = 32000;
    private const string Resource = "MetaLora.Bank.lots-of-loras-502.tsv";

    /// <summary>The tasks, in index order.</summary>
    public static IReadOnlyList<BankSource> Tasks { get; } = Load();

    private static BankSource[] Load()
    {
        using var stream = typeof(LotsOfLoras).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"embedded resource {Resource} is missing from the build");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), Resource);
    }

    /// <summary>Reads a list with the columns index, task, adapter_repo, dataset_repo (tab-separated, header first).</summary>
    public static BankSource[] Parse(string text, string path)
    {
        using var tsv = Csv.FromText(text, path, separator: '\t');
        if (!tsv.Read() || !Csv.Fields(tsv).SequenceEqual(["index", "task", "adapter_repo", "dataset_repo"]))
            throw BadInputException.At(path, "expected the header \"index<TAB>task<TAB>adapter_repo<TAB>dataset_repo\"", 1);
        var sources = new List<BankSource>();
        while (tsv.Read())
        {
            if (Csv.IsBlank(tsv)) continue;
            var cells = Csv.Fields(tsv);
            if (cells.Length != 4 || !int.TryParse(cells[0], out var index) || index != sources.Count)
                throw BadInputException.At(path, $"expected index {sources.Count} and four tab-separated columns", Csv.Line(tsv));
            var datasetRepo = cells[3];
            sources.Add(new BankSource(index, datasetRepo[(datasetRepo.LastIndexOf('/') + 1)..], HubRepo.Model(cells[2]), HubRepo.Dataset(datasetRepo)));
        }
        return sources.ToArray();
    }
}
