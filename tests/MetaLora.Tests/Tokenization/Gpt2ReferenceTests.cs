using System.IO.Compression;
using System.Text;
using System.Text.Json;
using MetaLora.Tokenization;

namespace MetaLora.Tests.Tokenization;

/// <summary>
/// Holds the GPT-2 path (Microsoft.ML.Tokenizers' tiktoken "gpt2", as the embedded bank uses it) to an
/// independent Python implementation of GPT-2's byte-level BPE (Fixtures/make_gpt2_fixtures.py) on
/// ~11,600 hard strings.
/// </summary>
public sealed class Gpt2ReferenceTests
{
    [Fact]
    public void Encode_EqualsReferenceOnEveryString()
    {
        var tokenizer = TokenizerFactory.CreateTiktoken("gpt2 (built in)", "gpt2");
        using var gzip = new GZipStream(File.OpenRead(Fixtures.Path("gpt2_ids.jsonl.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var failures = new List<string>();
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            using var doc = JsonDocument.Parse(line);
            var text = doc.RootElement.GetProperty("text").GetString()!;
            var expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var ids = tokenizer.EncodeToIds(text);
            count++;
            if (!ids.SequenceEqual(expected))
                failures.Add($"{JsonSerializer.Serialize(text)}: reference [{string.Join(" ", expected)}], ours [{string.Join(" ", ids)}]");
        }
        Assert.True(count > 11000, $"{count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} differ, e.g.\n{string.Join("\n", failures.Take(10))}");
    }
}
