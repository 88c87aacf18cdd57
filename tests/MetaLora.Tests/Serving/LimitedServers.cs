using MetaLora.Tests.Support;

namespace MetaLora.Tests.Serving;

/// <summary>
/// Two <c>lora serve</c> over <see cref="ServeBank"/> for the limits' tests: <see cref="Queue"/> takes two
/// requests in hand at most; <see cref="Strict"/> gives a completion one second and takes prompts of up to
/// 8 tokens and 400 tokens with the completion.
/// </summary>
public sealed class LimitedServers : IDisposable
{
    public LimitedServers()
    {
        Queue = Bank.Serve(null, "--max-concurrent-requests", "2");
        Strict = Bank.Serve(null, "--request-timeout", "1", "--max-input-tokens", "8", "--max-total-tokens", "400");
    }

    public ServeBank Bank { get; } = new();
    public ServeProcess Queue { get; }
    public ServeProcess Strict { get; }

    public void Dispose()
    {
        Queue.Dispose();
        Strict.Dispose();
        Bank.Dispose();
    }
}
