using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>One <c>lora serve</c> over <see cref="ServeBank"/> for the streaming, stop and chat tests.</summary>
public sealed class StreamingServer : IDisposable
{
    public StreamingServer()
    {
        Server = Bank.Serve(null, "--adapters", Path.Combine(Bank.Bank, "adapters"));
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
