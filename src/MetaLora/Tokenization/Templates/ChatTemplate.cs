using System.Text.Json;
using MetaLora.Formats;
using MetaLora.IO;

namespace MetaLora.Tokenization.Templates;

/// <summary>
/// A Hugging Face chat template: the Jinja text in a model's <c>tokenizer_config.json</c> that turns chat
/// messages into the prompt. It renders as transformers' <c>apply_chat_template</c> does (Jinja with
/// trim_blocks and lstrip_blocks) for the subset of Jinja that chat templates use; what it does not
/// support fails when parsed, not when a request arrives. A parsed template is immutable and may
/// render on many threads at once.
/// </summary>
internal sealed class ChatTemplate
{
    private readonly IReadOnlyList<TemplateNode> _body;

    private ChatTemplate(IReadOnlyList<TemplateNode> body) => _body = body;

    /// <summary>Parses a template; a syntax error or an unsupported construct throws a <see cref="ChatTemplateException"/> naming its line and column.</summary>
    public static ChatTemplate Parse(string source) => new(TemplateParser.Parse(source));

    /// <summary>
    /// The <c>chat_template</c> of a <c>tokenizer_config.json</c>: a string, or a list of
    /// <c>{"name", "template"}</c> objects of which the one named "default" is used (as transformers
    /// does). Null when the file has none. A file that is not JSON, or a template that does not parse, is
    /// a <see cref="BadInputException"/> naming the file.
    /// </summary>
    public static ChatTemplate? FromTokenizerConfig(string path)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(InputFile.ReadAllBytes(path)); }
        catch (JsonException e) { throw BadInputException.At(path, $"invalid JSON ({JsonText.Describe(e)})", (int)(e.LineNumber ?? -1) + 1); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw BadInputException.At(path, $"expected a JSON object, found {JsonText.Found(root)}");
            if (!root.TryGetProperty("chat_template", out var template) || template.ValueKind == JsonValueKind.Null) return null;
            var (source, what) = template.ValueKind switch
            {
                JsonValueKind.String => (template.GetString()!, "chat_template"),
                JsonValueKind.Array => (DefaultOfList(path, template), "chat_template \"default\""),
                _ => throw BadInputException.At(path, $"\"chat_template\" is {JsonText.Found(template)}, expected a string or a list of {{\"name\", \"template\"}} objects"),
            };
            try { return Parse(source); }
            catch (ChatTemplateException e) { throw BadInputException.At(path, $"{what}: {e.Message}"); }
        }
    }

    private static string DefaultOfList(string path, JsonElement templates)
    {
        var names = new List<string>();
        foreach (var entry in templates.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object
                || !entry.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !entry.TryGetProperty("template", out var text) || text.ValueKind != JsonValueKind.String)
                throw BadInputException.At(path, $"\"chat_template\" item {names.Count + 1} is not a {{\"name\": string, \"template\": string}} object");
            if (name.GetString() == "default") return text.GetString()!;
            names.Add(name.GetString()!);
        }
        throw BadInputException.At(path, $"\"chat_template\" lists templates ({string.Join(", ", names)}) but none is named \"default\"");
    }

    /// <summary>
    /// The prompt for <paramref name="messages"/>: the template rendered with <c>messages</c> (each a dict
    /// of role and content), <c>add_generation_prompt</c>, <c>bos_token</c> and <c>eos_token</c>. A
    /// template's <c>raise_exception</c>, a run-time error or a limit of <see cref="RenderBudget"/> throws a
    /// <see cref="ChatTemplateException"/>.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken) =>
        Render(new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = bosToken,
            ["eos_token"] = eosToken,
        });

    /// <summary>Renders with any variables (strings, numbers, booleans, null, lists, string-keyed dictionaries, messages).</summary>
    internal string Render(IReadOnlyDictionary<string, object?> variables) =>
        TemplateRenderer.Render(_body, TemplateScope.Root(variables.Select(p => new KeyValuePair<string, object?>(p.Key, TemplateValues.FromClr(p.Value)))));
}
