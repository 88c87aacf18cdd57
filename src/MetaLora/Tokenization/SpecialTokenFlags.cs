using System.Text.Json;
using MetaLora.Formats;

namespace MetaLora.Tokenization;

/// <summary>
/// Whether a SentencePiece tokenizer adds BOS and EOS, as Hugging Face's <c>tokenizer_config.json</c>
/// beside the <c>tokenizer.model</c> says (add_bos_token, default true; add_eos_token, default false,
/// as Llama and Mistral ship); no file means the defaults.
/// </summary>
internal readonly record struct SpecialTokenFlags(bool AddBos, bool AddEos)
{
    public const string ConfigFileName = "tokenizer_config.json";

    public static readonly SpecialTokenFlags Default = new(true, false);

    /// <summary>The flags of the <c>tokenizer_config.json</c> in <paramref name="folder"/>.</summary>
    public static SpecialTokenFlags ForFolder(string folder) => Read(Path.Combine(folder, ConfigFileName));

    public static SpecialTokenFlags Read(string path)
    {
        if (!File.Exists(path)) return Default;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            bool Flag(string key, bool fallback) =>
                doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null
                    ? v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
                        : throw BadInputException.At(path, $"\"{key}\" is {JsonText.Found(v)}, expected true or false")
                    : fallback;
            return new SpecialTokenFlags(Flag("add_bos_token", Default.AddBos), Flag("add_eos_token", Default.AddEos));
        }
        catch (JsonException e)
        {
            throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1);
        }
    }
}
