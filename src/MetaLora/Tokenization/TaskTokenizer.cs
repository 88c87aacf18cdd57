using MetaLora.Bank;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Tokenization;

/// <summary>
/// Turns a task's samples into one token stream, as the paper does: each sample contributes
/// <c>tokenizer(input + output[0])</c> with the tokenizer's default special tokens (BOS for
/// Llama/Mistral models, nothing for GPT-2), concatenated in sample order.
/// </summary>
public static class TaskTokenizer
{
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
            var encoded = Encode(tokenizer, sample.Input + sample.Output[0]);
            foreach (var id in encoded)
            {
                if ((uint)id >= (uint)vocabSize)
                    throw BadInputException.At(source,
                        $"sample {i} (id \"{sample.Id}\"): token id {id} is outside the bank's vocabulary (vocab_size {vocabSize})");
            }
            ids.AddRange(encoded);
        }
        return ids.ToArray();
    }

    private static IReadOnlyList<int> Encode(Tokenizer tokenizer, string text)
    {
        // The library returns no ids at all for empty text, where SentencePiece (and Hugging Face's
        // tokenizer("")) still emits BOS/EOS.
        if (text.Length == 0 && tokenizer is SentencePieceTokenizer sp)
        {
            var ids = new List<int>(2);
            if (sp.AddBeginningOfSentence) ids.Add(sp.BeginningOfSentenceId);
            if (sp.AddEndOfSentence) ids.Add(sp.EndOfSentenceId);
            return ids;
        }
        return tokenizer.EncodeToIds(text);
    }
}
