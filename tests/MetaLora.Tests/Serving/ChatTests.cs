using System.ClientModel;
using System.Net;
using System.Text.Json;
using MetaLora.Tests.Support;
using OpenAI;
using OpenAI.Chat;

namespace MetaLora.Tests.Serving;

/// <summary>
/// <c>/v1/chat/completions</c> through the official OpenAI .NET client, whole and streamed, against a real
/// <c>lora serve</c> with Mistral's chat template. The reference is the same model on <c>/v1/completions</c>
/// with the prompt the template makes by hand: <c>[INST] ... [/INST]</c> after BOS.
/// </summary>
public sealed class ChatTests(StreamingServer fixture) : IClassFixture<StreamingServer>
{
    private const long Seed = 11;

#pragma warning disable OPENAI001 // Seed is marked experimental in the client; the server implements it.
    private static readonly ChatCompletionOptions Options = new() { MaxOutputTokenCount = 12, Temperature = 1.5f, Seed = Seed };
#pragma warning restore OPENAI001

    private ChatClient Client(string model = ServeBank.Model) =>
        new(model, new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Url + "/v1") });

    /// <summary>The same request on /v1/completions with the prompt the template renders (the tokenizer adds the BOS).</summary>
    private async Task<JsonElement> ByHand(string prompt)
    {
        var body = JsonSerializer.Serialize(new { model = ServeBank.Model, prompt, max_tokens = 12, temperature = 1.5, seed = Seed });
        var answer = await fixture.Client.Post("/v1/completions", body);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        return answer.Json;
    }

    [Fact]
    public async Task A_chat_is_the_completion_of_the_prompt_its_template_renders()
    {
        var reference = await ByHand("[INST] Reverse: a b c [/INST]");
        ChatCompletion chat = await Client().CompleteChatAsync([new UserChatMessage("Reverse: a b c")], Options);
        Assert.Equal(ChatMessageRole.Assistant, chat.Role);
        Assert.NotEqual("", chat.Content[0].Text);
        Assert.Equal(reference.GetProperty("choices")[0].GetProperty("text").GetString(), chat.Content[0].Text);
        Assert.Equal(reference.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), chat.Usage.InputTokenCount);
        Assert.Equal(reference.GetProperty("usage").GetProperty("completion_tokens").GetInt32(), chat.Usage.OutputTokenCount);
        Assert.StartsWith("chatcmpl-", chat.Id);
    }

    [Fact]
    public async Task A_conversation_puts_the_assistants_turns_between_eos_and_the_next_inst()
    {
        var reference = await ByHand("[INST] one [/INST]two</s>[INST] three [/INST]");
        ChatCompletion chat = await Client().CompleteChatAsync(
            [new UserChatMessage("one"), new AssistantChatMessage("two"), new UserChatMessage("three")], Options);
        // "</s>" in the template is the EOS token itself, not its letters: one token fewer than the letters would make.
        Assert.True(reference.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > chat.Usage.InputTokenCount);
        Assert.True(chat.Usage.InputTokenCount > 5);
    }

    [Fact]
    public async Task A_streamed_chat_gives_the_whole_answer_in_pieces_and_the_usage()
    {
        ChatCompletion whole = await Client().CompleteChatAsync([new UserChatMessage("hello there")], Options);
        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var updates = 0;
        await foreach (var update in Client().CompleteChatStreamingAsync([new UserChatMessage("hello there")], Options))
        {
            updates++;
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
        Assert.True(updates >= 2);
    }

    [Fact]
    public async Task The_templates_own_refusal_and_an_unknown_model_reach_the_client_as_400_and_404()
    {
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Client().CompleteChatAsync([new AssistantChatMessage("first")], Options));
        Assert.Equal(400, refused.Status);
        Assert.Contains("Conversation roles must alternate", refused.Message);
        var unknown = await Assert.ThrowsAsync<ClientResultException>(() => Client("no-such-model").CompleteChatAsync([new UserChatMessage("hi")], Options));
        Assert.Equal(404, unknown.Status);
    }

    [Theory]
    [InlineData("""{"model":"embedded","messages":[]}""", "messages")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", "messages")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi","extra":1}]}""", "extra")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function"}]}""", "tools")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi"}],"logprobs":true}""", "logprobs")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi"}],"n":2}""", "n")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi"}],"max_tokens":4,"max_completion_tokens":4}""", "max_tokens")]
    [InlineData("""{"model":"embedded","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}""", "response_format")]
    public async Task Chat_parameters_the_server_does_not_implement_get_400_naming_them(string body, string param)
    {
        var error = ServeClient.AssertError(await fixture.Client.Post("/v1/chat/completions", body), HttpStatusCode.BadRequest, body);
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Text_parts_are_joined_and_user_is_accepted()
    {
        var body = JsonSerializer.Serialize(new
        {
            model = ServeBank.Model, user = "someone", max_tokens = 12, temperature = 1.5, seed = Seed,
            messages = new[] { new { role = "user", content = new object[] { new { type = "text", text = "Reverse:" }, new { type = "text", text = "a b c" } } } },
        });
        var answer = await fixture.Client.Post("/v1/chat/completions", body);
        Assert.True(answer.Status == HttpStatusCode.OK, answer.Text);
        var reference = await ByHand("[INST] Reverse:\na b c [/INST]");
        Assert.Equal(reference.GetProperty("choices")[0].GetProperty("text").GetString(),
            answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
    }
}
