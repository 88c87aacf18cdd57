using MetaLora.Tokenization.Templates;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>Messages and one-line renders for the chat template tests.</summary>
internal static class ChatTemplateTestKit
{
    public static ChatMessage User(string content) => new("user", content);

    public static ChatMessage Assistant(string content) => new("assistant", content);

    public static ChatMessage SystemMessage(string content) => new("system", content);

    /// <summary>Renders <paramref name="template"/> with the given variables (strings, numbers, lists, dictionaries, messages).</summary>
    public static string Render(string template, params (string Name, object? Value)[] variables) =>
        ChatTemplate.Parse(template).Render(variables.ToDictionary(v => v.Name, v => v.Value));

    public static ChatTemplateException RenderError(string template, params (string Name, object? Value)[] variables) =>
        Assert.Throws<ChatTemplateException>(() => Render(template, variables));

    public static ChatTemplateException ParseError(string template) =>
        Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template));
}
