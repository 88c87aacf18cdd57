using System.Text.Json;
using MetaLora.Model;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

/// <summary>
/// The model against an independent float64 NumPy forward pass (Fixtures/make_mistral_fixture.py) of a
/// Hugging Face-layout checkpoint: explicit head_dim, grouped-query attention, a sliding window shorter
/// than the sequence, and a left-padded row with position ids counted from its first real token.
/// </summary>
public sealed class ReferenceLogitsTests
{
    [Fact]
    public void LogitsMatchTheNumPyReference()
    {
        var folder = Fixtures.Path("mistral_tiny");
        using var model = MistralCheckpoint.Load(folder);
        Assert.Equal(8, model.Config.HeadDim);
        Assert.Equal(5, model.Config.SlidingWindow);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "expected_logits.json")));
        var root = doc.RootElement;
        long[,] Matrix(string name) => To2D(root.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray());
        var ids = Matrix("input_ids");
        var mask = Matrix("attention_mask");
        var positions = Matrix("position_ids");

        using var noGrad = no_grad();
        using var ids_ = tensor(ids);
        using var mask_ = tensor(mask);
        using var positions_ = tensor(positions);
        using var logits = model.forward(ids_, mask_, positions_);
        var expected = root.GetProperty("logits");
        var compared = 0;
        var worst = 0.0;
        for (var b = 0; b < ids.GetLength(0); b++)
            for (var t = 0; t < ids.GetLength(1); t++)
            {
                var row = expected[b][t];
                if (row.ValueKind == JsonValueKind.Null) continue;
                var actual = logits[b, t].data<float>().ToArray();
                var reference = row.EnumerateArray().Select(v => v.GetDouble()).ToArray();
                for (var v = 0; v < reference.Length; v++) worst = Math.Max(worst, Math.Abs(actual[v] - reference[v]));
                compared++;
            }
        Assert.Equal(13, compared);
        Assert.True(worst < 1e-4, $"largest logit difference {worst}");
    }

    private static long[,] To2D(long[][] rows)
    {
        var result = new long[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
            for (var j = 0; j < rows[i].Length; j++) result[i, j] = rows[i][j];
        return result;
    }
}
