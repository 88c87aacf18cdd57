using MetaLora.Model;
using MetaLora.Tests.Prediction;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

[Collection(TorchState.Name)]
public sealed class GenerationTests
{
    private static readonly int[][] Prompts =
    [
        [1, 17, 33, 5, 9, 60, 41],
        [1, 8],
        [1, 22, 22, 22, 22],
        [1, 50, 3, 19],
    ];

    private static GenerationOptions Greedy(int tokens = 12, bool cache = true) =>
        new() { MaxNewTokens = tokens, UseKvCache = cache, EosTokenIds = [2] };

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(false, 4)] // a window shorter than the sequences, so the sliding-window mask matters
    public void KvCacheGenerationGivesExactlyTheTokensOfNoCacheGeneration(bool tied, int? window)
    {
        using var model = TinyMistral.Model(seed: 8, tied: tied, slidingWindow: window);
        var cached = Generation.Generate(model, Prompts, Greedy(cache: true));
        var uncached = Generation.Generate(model, Prompts, Greedy(cache: false));
        Assert.Equal(uncached, cached);
        Assert.Contains(cached, c => c.Length == 12);
    }

    [Fact]
    public void BatchedGenerationEqualsOneByOne()
    {
        using var model = TinyMistral.Model(seed: 9);
        foreach (var cache in new[] { true, false })
        {
            var batched = Generation.Generate(model, Prompts, Greedy(cache: cache));
            var single = Prompts.Select(p => Generation.Generate(model, [p], Greedy(cache: cache))[0]).ToArray();
            Assert.Equal(single, batched);
        }
    }

    [Fact]
    public void ContinuationIsTheTokensAfterThePromptAsInAFullForwardPass()
    {
        using var model = TinyMistral.Model(seed: 10);
        var prompt = Prompts[0];
        var continuation = Generation.Generate(model, [prompt], Greedy(tokens: 5))[0];
        // Re-derive greedily from full forward passes over the growing sequence.
        var sequence = prompt.Select(t => (long)t).ToList();
        using var noGrad = no_grad();
        for (var i = 0; i < 5; i++)
        {
            using var ids = tensor(sequence.ToArray(), [1L, sequence.Count]);
            using var logits = model.forward(ids);
            sequence.Add(logits[0, -1].argmax().item<long>());
        }
        Assert.Equal(sequence.Skip(prompt.Length).Select(t => (int)t), continuation);
    }

    [Fact]
    public void StopsAtEosAndLeavesItOut()
    {
        using var model = TinyMistral.Model(seed: 11);
        var free = Generation.Generate(model, Prompts, Greedy(tokens: 6));
        // Declare the third greedy token of prompt 0 an end-of-sequence token: that prompt stops before it, the others run on (or stop where it occurs in them).
        var stop = free[0][2];
        var stopped = Generation.Generate(model, Prompts, Greedy(tokens: 6) with { EosTokenIds = [stop] });
        Assert.Equal(free[0][..2], stopped[0]);
        for (var b = 1; b < Prompts.Length; b++)
        {
            var cut = Array.IndexOf(free[b], stop);
            Assert.Equal(cut < 0 ? free[b] : free[b][..cut], stopped[b]);
        }
    }

    [Fact]
    public void EndRowEndsEachRowWhereItSaysAndTheOthersRunOnAsAlone()
    {
        using var model = TinyMistral.Model(seed: 12);
        var free = Generation.Generate(model, Prompts, Greedy(tokens: 8) with { EosTokenIds = [] });
        // Row 1 at 3 tokens, row 2 at once (as a server drops a cancelled request's rows); rows 0 and 3 run to the end.
        int[] limits = [8, 3, 1, 8];
        var asked = new List<(int Row, int Count)>();
        var ended = Generation.Generate(model, Prompts, Greedy(tokens: 8) with
        {
            EosTokenIds = [],
            EndRow = (row, tokens) =>
            {
                asked.Add((row, tokens.Count));
                // The row's tokens so far are the free run's, token by token.
                Assert.Equal(free[row][..tokens.Count], tokens);
                return tokens.Count >= limits[row];
            },
        });
        for (var b = 0; b < Prompts.Length; b++) Assert.Equal(free[b][..limits[b]], ended[b]);
        // A row that ended is not asked again.
        Assert.Single(asked, a => a.Row == 2);
        Assert.Equal(3, asked.Count(a => a.Row == 1));
    }

    [Fact]
    public void SamplingIsSeededAndTopPNarrowsToGreedy()
    {
        using var model = TinyMistral.Model(seed: 12);
        var sample = new GenerationOptions { MaxNewTokens = 10, Temperature = 1.5, Seed = 3, EosTokenIds = [2] };
        var first = Generation.Generate(model, Prompts, sample);
        Assert.Equal(first, Generation.Generate(model, Prompts, sample));
        Assert.NotEqual(first, Generation.Generate(model, Prompts, sample with { Seed = 4 }));
        // A tiny nucleus keeps only the most likely token: sampling becomes greedy decoding.
        Assert.Equal(Generation.Generate(model, Prompts, Greedy(tokens: 10)), Generation.Generate(model, Prompts, sample with { TopP = 1e-6 }));
    }

    [Fact]
    public void GenerationRespectsTheTorchThreadCount()
    {
        using var model = TinyMistral.Model(seed: 13);
        var threads = get_num_threads();
        try
        {
            set_num_threads(1);
            var one = Generation.Generate(model, Prompts, Greedy());
            Assert.Equal(1, get_num_threads());
            set_num_threads(2);
            Assert.Equal(one, Generation.Generate(model, Prompts, Greedy()));
        }
        finally
        {
            set_num_threads(threads);
        }
    }

    [Fact]
    public void EmptyOrOutOfVocabularyPromptsAreRefused()
    {
        using var model = TinyMistral.Model();
        Assert.Throws<ArgumentException>(() => Generation.Generate(model, [Array.Empty<int>()], Greedy()));
        Assert.Throws<ArgumentException>(() => Generation.Generate(model, [new[] { 1, 64 }], Greedy()));
    }
}
