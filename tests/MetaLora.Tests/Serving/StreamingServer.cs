using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// One <c>lora serve</c> over <see cref="ServeBank"/> for the streaming, stop and chat tests, with
/// Mistral-7B-Instruct's chat template given as a file (the embedded bank's model has none).
/// </summary>
public sealed class StreamingServer : IDisposable
{
    /// <summary>Mistral-7B-Instruct-v0.1/v0.2's chat template, as its tokenizer_config.json holds it.</summary>
    public const string MistralTemplate =
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}" +
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}" +
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}" +
        "{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    public StreamingServer()
    {
        var template = Path.Combine(Bank.Folder("template"), "mistral.jinja");
        File.WriteAllText(template, MistralTemplate);
        Server = Bank.Serve(null, "--adapters", Path.Combine(Bank.Bank, "adapters"), "--chat-template", template);
        Client = new ServeClient(Server.Url);
    }

    public ServeBank Bank { get; } = new();
    public ServeProcess Server { get; }
    public ServeClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
        Bank.Dispose();
    }
}
