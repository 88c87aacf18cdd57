namespace MetaLora.Serving;

/// <summary>A request <c>lora serve</c> refuses, with the HTTP status and OpenAI error type to answer with.</summary>
internal sealed class ServeException(int status, string type, string message, string? param = null) : Exception(message)
{
    /// <summary>The HTTP status: a 4xx; 500 for a fault of the server itself; 503 and 504 for a server shutting down or a request past its time.</summary>
    public int Status { get; } = status;

    /// <summary>The error's <c>type</c>, as vLLM and OpenAI's clients name them (e.g. <c>BadRequestError</c>, <c>NotFoundError</c>).</summary>
    public string Type { get; } = type;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    /// <summary>Seconds the client should wait before trying again (the <c>Retry-After</c> header), or null.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ServeException BadRequest(string message, string? param = null) => new(400, "BadRequestError", message, param);

    public static ServeException UnknownModel(string model) => new(404, "NotFoundError", $"The model `{model}` does not exist.", "model");

    public static ServeException ShuttingDown(string message) => new(503, "ServiceUnavailableError", message);
}
