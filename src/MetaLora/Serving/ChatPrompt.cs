using System.Text.Json;
using MetaLora.Model;
using MetaLora.Tokenization.Templates;
using Microsoft.ML.Tokenizers;

namespace MetaLora.Serving;

/// <summary>
/// Chat messages to prompt ids, as transformers' <c>apply_chat_template</c> and vLLM do: the model's chat
/// template (from <c>tokenizer_config.json</c>, or the file given with <c>--chat-template</c>) renders the
/// messages with the generation prompt, and the text is encoded with the template in charge of the
/// special tokens: where it writes the BOS or EOS token's text, that token's id goes in, and the tokenizer
/// adds no BOS of its own.
/// </summary>
internal sealed class ChatPrompt
{
    private readonly ChatTemplate _template;
    private readonly Tokenizer _tokenizer;
    private readonly string _bos, _eos;
    private readonly int _bosId, _eosId;

    private ChatPrompt(ChatTemplate template, Tokenizer tokenizer, string bos, string eos, int bosId, int eosId)
    {
        (_template, _tokenizer, _bos, _eos, _bosId, _eosId) = (template, tokenizer, bos, eos, bosId, eosId);
    }

    /// <summary>Where the template came from, for the start-up line and errors.</summary>
    public required string Source { get; init; }

    /// <summary>The model folder's chat template, or <paramref name="templateFile"/>'s; null when there is none.</summary>
    public static ChatPrompt? For(string modelDir, string? templateFile, Tokenizer tokenizer, MistralConfig config)
    {
        var configPath = Path.Combine(modelDir, ModelTokenizer.ConfigFileName);
        ChatTemplate? template;
        string source;
        if (templateFile is not null)
        {
            if (!File.Exists(templateFile)) throw BadInputException.At(templateFile, "--chat-template: no such file");
            template = Parse(templateFile, File.ReadAllText(templateFile));
            source = templateFile;
        }
        else
        {
            template = File.Exists(configPath) ? ChatTemplate.FromTokenizerConfig(configPath) : null;
            source = configPath;
        }
        if (template is null) return null;
        var (bos, eos) = SpecialTexts(configPath);
        return new ChatPrompt(template, tokenizer, bos, eos, config.BosTokenId, config.EosTokenIds[0]) { Source = source };
    }

    /// <summary>The prompt's ids; a template's own refusal (roles out of order, say) is the request's 400.</summary>
    public IReadOnlyList<int> Encode(IReadOnlyList<ChatMessage> messages)
    {
        string text;
        try
        {
            text = _template.Render(messages, addGenerationPrompt: true, _bos, _eos);
        }
        catch (ChatTemplateException e)
        {
            throw ServeException.BadRequest(e.IsRaisedByTemplate ? e.Message : $"the chat template failed on these messages: {e.Message}", "messages");
        }
        var ids = new List<int>();
        var at = 0;
        while (at < text.Length)
        {
            var (next, id) = NextSpecial(text, at);
            if (next > at) ids.AddRange(Plain(text[at..next]));
            if (next == text.Length) break;
            ids.Add(id);
            at = next + (id == _bosId ? _bos.Length : _eos.Length);
        }
        return ids;
    }

    /// <summary>The first BOS or EOS text at or after <paramref name="from"/>, with its id; the text's end when none.</summary>
    private (int At, int Id) NextSpecial(string text, int from)
    {
        var bos = _bos.Length == 0 ? -1 : text.IndexOf(_bos, from, StringComparison.Ordinal);
        var eos = _eos.Length == 0 ? -1 : text.IndexOf(_eos, from, StringComparison.Ordinal);
        if (bos < 0 && eos < 0) return (text.Length, -1);
        return bos >= 0 && (eos < 0 || bos <= eos) ? (bos, _bosId) : (eos, _eosId);
    }

    /// <summary>Text without special tokens, encoded without the BOS the tokenizer would add.</summary>
    private IEnumerable<int> Plain(string text)
    {
        var ids = _tokenizer.EncodeToIds(text);
        return ids.Count > 0 && ids[0] == _bosId ? ids.Skip(1) : ids;
    }

    private static ChatTemplate Parse(string path, string source)
    {
        try
        {
            return ChatTemplate.Parse(source);
        }
        catch (ChatTemplateException e)
        {
            throw BadInputException.At(path, e.Message);
        }
    }

    /// <summary>The BOS and EOS tokens' text from tokenizer_config.json (a string or {"content": ...}); Mistral's by default.</summary>
    private static (string Bos, string Eos) SpecialTexts(string configPath)
    {
        if (!File.Exists(configPath)) return ("<s>", "</s>");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(configPath));
            return (Text(json.RootElement, "bos_token") ?? "<s>", Text(json.RootElement, "eos_token") ?? "</s>");
        }
        catch (JsonException e)
        {
            throw BadInputException.At(configPath, $"invalid JSON: {e.Message}");
        }
    }

    private static string? Text(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()
        : null;
}
