using MetaLora.Inference;

namespace MetaLora.Serving;

/// <summary>What <c>lora serve</c> serves and where.</summary>
internal sealed record ModelServerOptions
{
    /// <summary>The base model's folder (Hugging Face layout: config.json, safetensors, tokenizer files).</summary>
    public required string ModelDir { get; init; }

    /// <summary>The base model's name in <c>/v1/models</c> and in requests.</summary>
    public required string ModelName { get; init; }

    /// <summary>The address to bind: loopback unless asked otherwise.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port; 0 lets the system choose a free one (the bound URL is printed).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>Adapters served from the start, by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Adapters { get; init; } = [];

    /// <summary>Whether <c>/v1/load_lora_adapter</c> and <c>/v1/unload_lora_adapter</c> exist (vLLM: VLLM_ALLOW_RUNTIME_LORA_UPDATING).</summary>
    public bool RuntimeLoading { get; init; } = true;

    /// <summary>Most prompts generated together: concurrent requests for the same model share a batch.</summary>
    public int BatchSize { get; init; } = InferOptions.DefaultBatchSize;

    /// <summary>The key clients must send as <c>Authorization: Bearer</c>; null for none.</summary>
    public string? ApiKey { get; init; }
}
