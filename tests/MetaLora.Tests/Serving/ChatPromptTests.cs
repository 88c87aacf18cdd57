using MetaLora.Model;
using MetaLora.Serving;
using MetaLora.Tests.Support;
using MetaLora.Tokenization.Templates;

namespace MetaLora.Tests.Serving;

/// <summary>
/// Where <c>lora serve</c> takes its chat template from, and how the rendered text becomes ids, on a
/// real model folder (the serve tests' bank) with the template written into its tokenizer_config.json.
/// </summary>
public sealed class ChatPromptTests(StreamingServer fixture) : IClassFixture<StreamingServer>
{
    private (string Dir, Microsoft.ML.Tokenizers.Tokenizer Tokenizer, MistralConfig Config) ModelCopy(string? chatTemplate)
    {
        var dir = fixture.Bank.Folder($"model-{Guid.NewGuid():N}");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(fixture.Bank.Bank, "base_model")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        if (chatTemplate is not null)
        {
            var config = Path.Combine(dir, ModelTokenizer.ConfigFileName);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(config))!.AsObject();
            json["chat_template"] = chatTemplate;
            File.WriteAllText(config, json.ToJsonString());
        }
        var model = MistralConfig.Load(Path.Combine(dir, "config.json"));
        return (dir, ModelTokenizer.FromFolder(dir, model), model);
    }

    [Fact]
    public void The_template_in_tokenizer_config_renders_and_its_bos_and_eos_text_become_those_ids()
    {
        var (dir, tokenizer, config) = ModelCopy(StreamingServer.MistralTemplate);
        var chat = ChatPrompt.For(dir, null, tokenizer, config);
        Assert.NotNull(chat);
        Assert.Equal(Path.Combine(dir, ModelTokenizer.ConfigFileName), chat.Source);
        // The tokenizer adds BOS to "[INST] hi [/INST]": the same ids as the template's "<s>" then that text.
        Assert.Equal(tokenizer.EncodeToIds("[INST] hi [/INST]"), chat.Encode([new ChatMessage("user", "hi")]));
        var turns = chat.Encode([new ChatMessage("user", "a"), new ChatMessage("assistant", "b"), new ChatMessage("user", "c")]);
        Assert.Single(turns, id => id == config.BosTokenId);
        Assert.Single(turns, id => id == config.EosTokenIds[0]);
        Assert.Equal(config.EosTokenIds[0], turns[tokenizer.EncodeToIds("[INST] a [/INST]b").Count]);
    }

    [Fact]
    public void Without_a_template_there_is_no_chat_and_a_template_file_wins_over_the_config()
    {
        var (plain, tokenizer, config) = ModelCopy(null);
        Assert.Null(ChatPrompt.For(plain, null, tokenizer, config));
        var file = Path.Combine(plain, "chatml.jinja");
        File.WriteAllText(file, "{% for m in messages %}<|{{ m.role }}|>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}");
        var chat = ChatPrompt.For(plain, file, tokenizer, config)!;
        Assert.Equal(file, chat.Source);
        Assert.Equal(tokenizer.EncodeToIds("<|user|>hi<|assistant|>").Skip(1), chat.Encode([new ChatMessage("user", "hi")]));
    }

    [Theory]
    [InlineData("{% if %}", "line 1")]
    [InlineData("{% macro m() %}{% endmacro %}", "macro")]
    public void A_template_file_that_does_not_parse_stops_the_server_with_one_line_naming_it(string source, string fragment)
    {
        var (dir, tokenizer, config) = ModelCopy(null);
        var file = Path.Combine(dir, "bad.jinja");
        File.WriteAllText(file, source);
        var e = Assert.Throws<BadInputException>(() => ChatPrompt.For(dir, file, tokenizer, config));
        Assert.StartsWith(file, e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Throws<BadInputException>(() => ChatPrompt.For(dir, Path.Combine(dir, "missing.jinja"), tokenizer, config));
    }

    [Fact]
    public void A_template_that_fails_on_the_messages_is_the_requests_400()
    {
        var (dir, tokenizer, config) = ModelCopy(StreamingServer.MistralTemplate);
        var chat = ChatPrompt.For(dir, null, tokenizer, config)!;
        var e = Assert.Throws<ServeException>(() => chat.Encode([new ChatMessage("user", "hi"), new ChatMessage("system", "be brief")]));
        Assert.Equal(400, e.Status);
        Assert.Equal("Only user and assistant roles are supported!", e.Message);
    }
}
