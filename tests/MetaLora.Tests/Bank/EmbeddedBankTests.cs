using System.Security.Cryptography;
using MetaLora.Bank;
using MetaLora.Bank.Embedded;
using MetaLora.Formats;
using MetaLora.Model;
using MetaLora.Tokenization;
using static TorchSharp.torch;
using MetaLora.Tests.Prediction;

namespace MetaLora.Tests.Bank;

/// <summary>The embedded bank: its tasks, and a few-task, few-step build checked against the bank contract.</summary>
// Trains with torch (its thread count and generator are process-wide), so it runs alone.
[Collection(TorchState.Name)]
public sealed class EmbeddedBankTests : IDisposable
{
    private readonly TempDir _work = new();
    private readonly int _threads = get_num_threads();

    public void Dispose()
    {
        set_num_threads(_threads); // the builder runs torch on one thread
        _work.Dispose();
    }

    /// <summary>Three tasks, a 32-wide model and a handful of steps: seconds, but every piece of a real build.</summary>
    private static readonly EmbeddedBankOptions Small = new()
    {
        Tasks = 3, TrainSamples = 24, ValidSamples = 4, TestSamples = 4, GenericSamples = 120,
        HiddenSize = 32, IntermediateSize = 64, Heads = 4, KeyValueHeads = 2, Layers = 1,
        BaseSteps = 6, BaseBatch = 8, LoraSteps = 4, LoraBatch = 8,
    };

    [Fact]
    public void CatalogHasAtLeast32TasksInAtLeast6FamiliesWithUniqueNames()
    {
        Assert.True(TaskCatalog.All.Count >= 32);
        Assert.True(TaskCatalog.Families.Count >= 6);
        Assert.Equal(TaskCatalog.All.Count, TaskCatalog.All.Select(t => t.Name).Distinct().Count());
        Assert.All(TaskCatalog.Families, f => Assert.True(TaskCatalog.All.Count(t => t.Family == f) >= 2, $"family {f} has one task"));
    }

    [Fact]
    public void SamplesAreNaturalInstructionsStyleAndSeeded()
    {
        foreach (var task in TaskCatalog.All)
        {
            var a = task.Sample("x", new Random(5));
            Assert.Equal(a, task.Sample("x", new Random(5)) with { Output = a.Output });
            Assert.StartsWith("Definition: ", a.Input);
            Assert.Contains("\n\nInput: ", a.Input);
            Assert.EndsWith("\n\nOutput:", a.Input);
            Assert.Single(a.Output);
            Assert.False(string.IsNullOrWhiteSpace(a.Output[0]), task.Name);
        }
        var caesar = TaskCatalog.All.Single(t => t.Name.EndsWith("caesar_shift2", StringComparison.Ordinal));
        var sample = caesar.Sample("x", new Random(1));
        var letters = sample.Input.Split("Input: ")[1].Split("\n")[0].Split(' ');
        Assert.Equal(string.Join(' ', letters.Select(l => (char)('a' + (l[0] - 'a' + 2) % 26))), sample.Output[0]);
    }

    [Fact]
    public void CompactTokenizerRoundTripsAndMapsUnseenPiecesToUnknown()
    {
        var gpt2 = TiktokenTokenizerFor();
        const string text = "Definition: Return the first word.\n\nInput: cat dog sun\n\nOutput:cat";
        var tokenizer = new CompactTokenizer(gpt2, "gpt2", CompactTokenizer.CollectBaseIds(gpt2, [text]));
        var ids = tokenizer.EncodeToIds(text);
        Assert.Equal(CompactTokenizer.BosId, ids[0]);
        Assert.All(ids.Skip(1), id => Assert.InRange(id, CompactTokenizer.SpecialCount, tokenizer.VocabSize - 1));
        Assert.Equal(gpt2.EncodeToIds(text).Count, ids.Count - 1);
        Assert.Equal(text, tokenizer.Decode(ids));
        Assert.Contains(CompactTokenizer.UnknownId, tokenizer.EncodeToIds("zebra quantum"));

        var path = _work["compact_vocab.json"];
        tokenizer.Save(path);
        var loaded = CompactTokenizer.Load(path);
        Assert.Equal(ids, loaded.EncodeToIds(text));
        Assert.Equal(tokenizer.VocabSize, loaded.VocabSize);
    }

    [Fact]
    public void RougeLIsTheLcsFMeasureOnLowercasedAlphanumericTokens()
    {
        Assert.Equal(1.0, SimpleRougeL.FMeasure("Cat, dog!", "cat dog"));
        Assert.Equal(0.0, SimpleRougeL.FMeasure("cat", "dog"));
        Assert.Equal(0.0, SimpleRougeL.FMeasure("cat", ""));
        // LCS "a c" of reference "a b c" (3) and prediction "a c d e" (4): P = 1/2, R = 2/3.
        Assert.Equal(2 * 0.5 * (2.0 / 3) / (0.5 + 2.0 / 3), SimpleRougeL.FMeasure("a b c", "a c d e"), 12);
    }

    [Fact]
    public void SmallBuildMeetsTheBankContractAndIsByteIdenticalWhenRepeated()
    {
        var first = _work["first"];
        var second = _work["second"];
        EmbeddedBankBuilder.Build(first, Small);
        EmbeddedBankBuilder.Build(second, Small with { Workers = 1 });

        var bank = BankInfo.Load(first);
        Assert.Equal(3, bank.Tasks.Count);
        Assert.Equal(TokenizerSpec.TiktokenCompact, bank.Tokenizer.Kind);
        // Its answers are a few words: Infer on it stops at 48 new tokens unless told otherwise.
        Assert.Equal(new BankGeneration(48), bank.Generation);
        var adapters = AdapterBank.CheckConsistent(bank.Tasks.Select(bank.AdapterDir).ToArray());
        Assert.Equal(3, adapters.Count);
        Assert.Equal(8, adapters[0].Config.R);
        foreach (var task in bank.Tasks)
            Assert.Equal(Small.TrainSamples, Dataset.ReadSplit(bank.DatasetDir(task), "train").Count);

        // The pipeline's tokenizer and the model's agree, and every id fits the histograms' vocab_size.
        var tokenizer = TokenizerFactory.Create(bank);
        using var model = MistralCheckpoint.Load(Path.Combine(first, bank.BaseModel!));
        Assert.Equal(bank.VocabSize, model.Config.VocabSize);
        var modelTokenizer = ModelTokenizer.FromFolder(Path.Combine(first, bank.BaseModel!), model.Config);
        var train = Dataset.ReadSplit(bank.DatasetDir(bank.Tasks[0]), "train");
        var tokens = TaskTokenizer.Tokenize(tokenizer, train, bank.VocabSize, bank.Tasks[0]);
        Assert.Equal(tokens, TaskTokenizer.Tokenize(modelTokenizer, train, bank.VocabSize, bank.Tasks[0]));
        Assert.DoesNotContain(CompactTokenizer.UnknownId, tokens);
        using (var adapter = LoraAdapter.Load(bank.AdapterDir(bank.Tasks[0]), model))
            Assert.NotEmpty(adapter.Layers);

        // Two builds (one with two workers, one with one) give the same files, byte for byte.
        Assert.Equal(Hashes(first), Hashes(second));
        Assert.False(Directory.Exists(first + ".building"));
    }

    [Fact]
    public void EvaluationScoresBaseAndFinetunedOnEveryTestSplit()
    {
        var dir = _work["bank"];
        EmbeddedBankBuilder.Build(dir, Small with { Tasks = 2 });
        var scores = BankEvaluation.Run(dir, limit: 0, maxNewTokens: 4, workers: 2);
        Assert.Equal(2, scores.Count);
        Assert.All(scores, s =>
        {
            Assert.InRange(s.Base, 0, 1);
            Assert.InRange(s.Finetuned, 0, 1);
            Assert.Equal("caesar", s.Family);
        });
    }

    private static Microsoft.ML.Tokenizers.Tokenizer TiktokenTokenizerFor() => Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForModel("gpt2");

    private static SortedDictionary<string, string> Hashes(string root) => new(
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);
}
