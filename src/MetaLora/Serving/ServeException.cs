namespace MetaLora.Serving;

/// <summary>A request <c>lora serve</c> refuses, with the HTTP status and OpenAI error type to answer with.</summary>
internal sealed class ServeException(int status, string type, string message, string? param = null) : Exception(message)
{
    /// <summary>The HTTP status: 400, 401, 404 or 503.</summary>
    public int Status { get; } = status;

    /// <summary>The error's <c>type</c>, as vLLM names them (e.g. <c>BadRequestError</c>, <c>NotFoundError</c>).</summary>
    public string Type { get; } = type;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    public static ServeException BadRequest(string message, string? param = null) => new(400, "BadRequestError", message, param);

    public static ServeException UnknownModel(string model) => new(404, "NotFoundError", $"The model `{model}` does not exist.", "model");
}
