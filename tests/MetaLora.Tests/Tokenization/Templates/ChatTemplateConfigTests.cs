using MetaLora.Tokenization.Templates;
using static MetaLora.Tests.Tokenization.Templates.ChatTemplateTestKit;

namespace MetaLora.Tests.Tokenization.Templates;

/// <summary>Reading the chat template of a tokenizer_config.json.</summary>
public sealed class ChatTemplateConfigTests
{
    private static string Render(ChatTemplate? template) =>
        Assert.IsType<ChatTemplate>(template).Render([User("hi")], addGenerationPrompt: false, "<s>", "</s>");

    [Fact]
    public void A_string_template()
    {
        using var dir = new TempDir();
        var path = dir.Write("tokenizer_config.json", """{"bos_token": "<s>", "chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}"}""");
        Assert.Equal("<s>[hi]", Render(ChatTemplate.FromTokenizerConfig(path)));
    }

    [Fact]
    public void A_list_of_named_templates_uses_the_one_named_default()
    {
        using var dir = new TempDir();
        var path = dir.Write("tokenizer_config.json", """
            {"chat_template": [
                {"name": "tool_use", "template": "tools"},
                {"name": "default", "template": "{{ messages[0].content }}{{ eos_token }}"},
                {"name": "rag", "template": "rag"}]}
            """);
        Assert.Equal("hi</s>", Render(ChatTemplate.FromTokenizerConfig(path)));
    }

    [Fact]
    public void No_template_is_null()
    {
        using var dir = new TempDir();
        Assert.Null(ChatTemplate.FromTokenizerConfig(dir.Write("a.json", """{"bos_token": "<s>"}""")));
        Assert.Null(ChatTemplate.FromTokenizerConfig(dir.Write("b.json", """{"chat_template": null}""")));
    }

    [Fact]
    public void Bad_files_are_one_line_errors_naming_the_file()
    {
        using var dir = new TempDir();
        var badJson = dir.Write("bad.json", "{\"chat_template\": ");
        var e = Assert.Throws<BadInputException>(() => ChatTemplate.FromTokenizerConfig(badJson));
        Assert.StartsWith($"{badJson}:", e.Message);
        Assert.Contains("invalid JSON", e.Message);

        var badTemplate = dir.Write("syntax.json", """{"chat_template": "{% nope %}"}""");
        e = Assert.Throws<BadInputException>(() => ChatTemplate.FromTokenizerConfig(badTemplate));
        Assert.Equal($"{badTemplate}: chat_template: line 1, column 4: unknown tag 'nope'", e.Message);

        var noDefault = dir.Write("named.json", """{"chat_template": [{"name": "tool_use", "template": "t"}, {"name": "rag", "template": "r"}]}""");
        e = Assert.Throws<BadInputException>(() => ChatTemplate.FromTokenizerConfig(noDefault));
        Assert.Equal($"{noDefault}: \"chat_template\" lists templates (tool_use, rag) but none is named \"default\"", e.Message);

        var number = dir.Write("number.json", """{"chat_template": 3}""");
        e = Assert.Throws<BadInputException>(() => ChatTemplate.FromTokenizerConfig(number));
        Assert.Equal($"{number}: \"chat_template\" is 3, expected a string or a list of {{\"name\", \"template\"}} objects", e.Message);

        var missing = dir.Combine("missing.json");
        e = Assert.Throws<BadInputException>(() => ChatTemplate.FromTokenizerConfig(missing));
        Assert.Equal($"{missing}: file does not exist", e.Message);
    }
}
