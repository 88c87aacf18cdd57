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

    /// <summary>Folders <c>/v1/load_lora_adapter</c> may load from, besides the start-up adapters' own (the CLI adds the bank and the <c>--adapters</c> folders).</summary>
    public IReadOnlyList<string> AdapterDirs { get; init; } = [];

    /// <summary>The largest request body accepted; larger ones get 413.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <summary>The most tokens one prompt may have (BOS included); null: <see cref="MaxTotalTokens"/> - 1.</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>The most tokens of a prompt and its <c>max_tokens</c> together; null: the model's <c>max_position_embeddings</c>.</summary>
    public int? MaxTotalTokens { get; init; }

    /// <summary>The most requests in hand at once (running or waiting for the model); more get 429 with Retry-After.</summary>
    public int MaxConcurrentRequests { get; init; } = DefaultMaxConcurrentRequests;

    /// <summary>How long a completion may take from arrival to answer (504 past it, its generation stopped); zero for no limit.</summary>
    public TimeSpan RequestTimeout { get; init; } = DefaultRequestTimeout;

    /// <summary>On SIGTERM or Ctrl+C, how long requests in hand may still finish before they are cancelled (with 503).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = DefaultShutdownTimeout;

    /// <summary>A file with the chat template, instead of the model folder's tokenizer_config.json.</summary>
    public string? ChatTemplateFile { get; init; }

    public const long DefaultMaxBodyBytes = 1 << 20;
    public const int DefaultMaxConcurrentRequests = 128;
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(10);
}
