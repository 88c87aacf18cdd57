using Microsoft.ML.Tokenizers;
using MetaLora.Formats;

namespace MetaLora.Tokenization;

/// <summary>
/// Turns a task's samples into one token stream, as the paper does: each sample contributes
/// <c>tokenizer(input + output[0])</c> with the tokenizer's default special tokens (BOS for
/// Llama/Mistral models, nothing for GPT-2), concatenated in sample order.
/// </summary>
internal static class TaskTokenizer
{
    /// <param name="tokenizer">The bank's tokenizer.</param>
    /// <param name="samples">The task's train samples, in order.</param>
    /// <param name="vocabSize">The vocabulary size; every id must be below it.</param>
    /// <param name="source">Names the task or file in error messages.</param>
    public static int[] Tokenize(Tokenizer tokenizer, IReadOnlyList<Sample> samples, int vocabSize, string source)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabSize, 1);

        var ids = new List<int>();
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (sample.Output.Count == 0)
                throw BadInputException.At(source, $"sample {i} (id \"{sample.Id}\"): no output to train on");
            var first = ids.Count;
            var text = sample.Input + sample.Output[0];
            // SentencePiece appends straight into the stream (and emits BOS for empty text, as Google's does).
            if (tokenizer is SentencePieceBpeTokenizer sentencePiece) sentencePiece.EncodeToIds(text, ids);
            else ids.AddRange(tokenizer.EncodeToIds(text));
            for (var k = first; k < ids.Count; k++)
            {
                if ((uint)ids[k] >= (uint)vocabSize)
                    throw BadInputException.At(source,
                        $"sample {i} (id \"{sample.Id}\"): token id {ids[k]} is outside the bank's vocabulary (vocab_size {vocabSize})");
            }
        }
        return ids.ToArray();
    }
}
