using TorchSharp;
using static TorchSharp.torch;

namespace MetaLora.Model;

/// <summary>
/// Autoregressive decoding of a batch of prompts. Prompts of different lengths are left-padded so that
/// every sequence's next token is at the same column; the attention mask hides the padding and position
/// ids count only real tokens, so each prompt is continued exactly as it would be alone (up to float
/// rounding in differently shaped matrix products). Runs under no_grad in eval mode (dropout off) with
/// torch's current thread count.
/// </summary>
internal static class Generation
{
    /// <summary>
    /// The continuation of each prompt (prompt tokens and the EOS token excluded), stopping at EOS or
    /// after <see cref="GenerationOptions.MaxNewTokens"/>.
    /// </summary>
    public static int[][] Generate(MistralForCausalLM model, IReadOnlyList<IReadOnlyList<int>> prompts, GenerationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        options ??= new GenerationOptions();
        if (options.MaxNewTokens < 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxNewTokens must not be negative");
        if (options.TopP is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(options), "TopP must be in (0, 1]");
        var batch = prompts.Count;
        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        if (batch == 0 || options.MaxNewTokens == 0) return outputs.Select(o => o.ToArray()).ToArray();
        CheckPrompts(prompts, model.Config.VocabSize);

        var eos = new HashSet<int>(options.EosTokenIds ?? model.Config.EosTokenIds);
        var device = model.parameters().First().device;
        var wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)options.Seed, device);
        try
        {
            var (ids, mask) = LeftPadded(prompts, device);
            var positions = mask.cumsum(1).sub(TorchScalars.One).clamp_min(TorchScalars.Zero);
            using var cache = options.UseKvCache ? new KvCache(model.Config, batch, ids.shape[1] + options.MaxNewTokens, model.DType, device) : null;
            var finished = new bool[batch];
            // With a cache only the newest tokens are fed; without one the whole sequence is, every step.
            Tensor input = ids, inputPositions = positions;
            for (var step = 0; ; step++)
            {
                using var stepScope = NewDisposeScope();
                using var logits = model.LastLogits(input, mask, inputPositions, cache);
                var next = Pick(logits, options, generator);
                Append(next, eos, finished, outputs, options.EndRow);
                if (step + 1 >= options.MaxNewTokens || finished.All(f => f)) break;

                var nextIds = tensor(next, [batch, 1L], device: device);
                var nextPositions = positions.narrow(1, positions.shape[1] - 1, 1).add(TorchScalars.One, TorchScalars.One);
                mask = cat([mask, ones([batch, 1L], ScalarType.Int64, device)], 1).MoveToOuterDisposeScope();
                positions = cat([positions, nextPositions], 1).MoveToOuterDisposeScope();
                if (cache is not null)
                {
                    input = nextIds.MoveToOuterDisposeScope();
                    inputPositions = nextPositions.MoveToOuterDisposeScope();
                }
                else
                {
                    input = cat([input, nextIds], 1).MoveToOuterDisposeScope();
                    inputPositions = positions;
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return outputs.Select(o => o.ToArray()).ToArray();
    }

    /// <summary>Throws unless every prompt has a token and all its ids are in the vocabulary.</summary>
    private static void CheckPrompts(IReadOnlyList<IReadOnlyList<int>> prompts, int vocabSize)
    {
        for (var b = 0; b < prompts.Count; b++)
        {
            if (prompts[b].Count == 0) throw new ArgumentException($"prompt {b} is empty; a prompt needs at least one token (e.g. BOS)", nameof(prompts));
            foreach (var id in prompts[b])
                if (id < 0 || id >= vocabSize)
                    throw new ArgumentException($"prompt {b} has token id {id}, outside the vocabulary [0, {vocabSize})", nameof(prompts));
        }
    }

    /// <summary>Each unfinished sequence's picked token: an EOS finishes it, any other is appended to its output (and <paramref name="endRow"/> may finish it then).</summary>
    private static void Append(long[] next, HashSet<int> eos, bool[] finished, List<int>[] outputs, Func<int, IReadOnlyList<int>, bool>? endRow)
    {
        for (var b = 0; b < finished.Length; b++)
        {
            if (finished[b]) continue;
            if (eos.Contains((int)next[b])) finished[b] = true;
            else
            {
                outputs[b].Add((int)next[b]);
                if (endRow is not null && endRow(b, outputs[b])) finished[b] = true;
            }
        }
    }

    /// <summary>Ids (B, T) and attention mask (B, T) with each prompt right-aligned after padding (id 0, mask 0).</summary>
    private static (Tensor Ids, Tensor Mask) LeftPadded(IReadOnlyList<IReadOnlyList<int>> prompts, Device device)
    {
        var length = prompts.Max(p => p.Count);
        var ids = new long[prompts.Count * length];
        var mask = new long[prompts.Count * length];
        for (var b = 0; b < prompts.Count; b++)
        {
            var offset = b * length + length - prompts[b].Count;
            for (var i = 0; i < prompts[b].Count; i++)
            {
                ids[offset + i] = prompts[b][i];
                mask[offset + i] = 1;
            }
        }
        return (tensor(ids, [prompts.Count, (long)length], device: device), tensor(mask, [prompts.Count, (long)length], device: device));
    }

    /// <summary>The next token of each row of logits (B, vocab): argmax, or a draw from the tempered, nucleus-truncated distribution.</summary>
    private static long[] Pick(Tensor logits, GenerationOptions options, Generator generator)
    {
        using var scope = NewDisposeScope();
        if (options.Temperature <= 0)
            return logits.argmax(-1).cpu().data<long>().ToArray();

        using var temperature = options.Temperature.ToScalar();
        var probabilities = logits.div(temperature).softmax(-1);
        var (sorted, order) = probabilities.sort(-1, descending: true);
        if (options.TopP < 1)
        {
            // Drop a token when the more likely ones already reach top_p; the most likely token always stays.
            using var topP = options.TopP.ToScalar();
            var before = sorted.cumsum(-1).sub(sorted);
            sorted = sorted.masked_fill(before.ge(topP), TorchScalars.Zero);
        }
        var choice = multinomial(sorted, 1, generator: generator);
        return order.gather(-1, choice).squeeze(-1).cpu().data<long>().ToArray();
    }
}
