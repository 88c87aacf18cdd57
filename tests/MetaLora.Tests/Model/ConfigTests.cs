using MetaLora.Model;
using System.Text;
using static TorchSharp.torch;

namespace MetaLora.Tests.Model;

public sealed class ConfigTests
{
    private static MistralConfig Parse(string json) => MistralConfig.Parse("m/config.json", Encoding.UTF8.GetBytes(json));

    /// <summary>Mistral-7B-Instruct-v0.2's config.json as published (the model itself is too big to test here).</summary>
    private const string Mistral7BInstructV02 = """
        {
          "architectures": ["MistralForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
          "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 14336,
          "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32, "num_hidden_layers": 32,
          "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_theta": 1000000.0, "sliding_window": null,
          "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.36.0", "use_cache": true, "vocab_size": 32000
        }
        """;

    [Fact]
    public void ReadsMistral7BInstructConfig()
    {
        var c = Parse(Mistral7BInstructV02);
        Assert.Equal((32000, 4096, 14336, 32, 32, 8, 128), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Null(c.SlidingWindow);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(1, c.BosTokenId);
        Assert.Equal([2], c.EosTokenIds);
        Assert.Equal(ScalarType.BFloat16, c.TorchDType);
        Assert.Equal(4, c.KeyValueGroups);
    }

    [Fact]
    public void DefaultsFollowTransformers()
    {
        var c = Parse("""{"vocab_size": 100, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4, "head_dim": 32, "eos_token_id": [2, 7]}""");
        Assert.Equal(4096, c.SlidingWindow); // absent: transformers' default window
        Assert.Equal(32, c.HeadDim);         // explicit head_dim wins over hidden/heads
        Assert.Equal(10000, c.RopeTheta);
        Assert.Equal([2, 7], c.EosTokenIds);
        Assert.Null(c.TorchDType);
    }

    [Theory]
    [InlineData("""{"num_attention_heads": 6, "num_key_value_heads": 4}""", "m/config.json: \"num_key_value_heads\" is 4, which does not divide num_attention_heads = 6")]
    [InlineData("""{"hidden_size": "big"}""", "m/config.json: \"hidden_size\" is a string, expected a positive integer")]
    [InlineData("""{"vocab_size": 0}""", "m/config.json: \"vocab_size\" is 0, expected a positive integer")]
    [InlineData("""{"model_type": "gpt2"}""", "m/config.json: \"model_type\" is \"gpt2\", expected \"mistral\"")]
    [InlineData("""{"torch_dtype": "int8"}""", "m/config.json: \"torch_dtype\" is \"int8\", expected one of float32, float16, bfloat16")]
    [InlineData("""[1]""", "m/config.json: expected a JSON object")]
    [InlineData("""{"a": }""", "m/config.json:1: invalid JSON")]
    public void BadConfigsAreOneLineErrorsNamingTheFile(string json, string message)
    {
        var e = Assert.Throws<BadInputException>(() => Parse(json));
        Assert.StartsWith(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingConfigNamesTheFile()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<BadInputException>(() => MistralConfig.Load(dir["config.json"]));
        Assert.Equal($"{dir["config.json"]}: file does not exist", e.Message);
    }
}
